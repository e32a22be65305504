/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/model.h>
#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace amr {

namespace {
std::string& current()
{
    static std::string c;
    return c;
}
} // namespace

const std::string& current_command() { return current(); }

std::string model_names()
{
    std::string out;
    for (const auto& n : gr::amrcompress::model_architectures())
        out += (out.empty() ? "" : ", ") + n;
    return out;
}
void set_current_command(const std::string& name) { current() = name; }

bool parse(const std::string& cmd,
           const std::string& usage,
           const std::vector<std::string>& args,
           po::options_description& opts,
           const po::positional_options_description& pos,
           po::variables_map& vm)
{
    opts.add_options()("help,h", "show this help");
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    if (vm.count("help")) {
        std::cout << "usage: amr " << cmd << " " << usage << "\n\n" << opts << "\n";
        return false;
    }
    po::notify(vm);
    return true;
}

progress::progress(std::string w)
    : what(std::move(w)),
      start(std::chrono::steady_clock::now()),
      last(start),
      tty(isatty(fileno(stderr)))
{
}

void progress::operator()(size_t done, size_t total)
{
    auto now = std::chrono::steady_clock::now();
    // Work done before the first step seen here (a resumed run) is not
    // this process's: the rate, and so the ETA, count from there.
    if (!seen) {
        seen = true;
        base = done > 0 ? done - 1 : 0;
    }
    double el = std::chrono::duration<double>(now - start).count();
    bool final = done >= total;
    if (!final && now - last < std::chrono::milliseconds(tty ? 200 : 5000))
        return;
    last = now;
    double eta = done > base ? el * (total - done) / (done - base) : 0;
    char buf[256];
    std::snprintf(buf,
                  sizeof buf,
                  "%s: %zu/%zu (%.0f%%) elapsed %.1fs ETA %.1fs",
                  what.c_str(),
                  done,
                  total,
                  total ? 100.0 * done / total : 100.0,
                  el,
                  eta);
    std::cerr << (tty ? "\r" : "") << buf << (tty && !final ? "" : "\n") << std::flush;
}

std::string self_path()
{
    std::error_code ec;
    auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? "amr" : p.string();
}

std::string sibling_tool(const std::string& name)
{
    auto p = std::filesystem::path(self_path()).parent_path() / name;
    std::error_code ec;
    return std::filesystem::exists(p, ec) ? p.string() : name;
}

std::vector<std::string> split_list(const std::string& s, char sep)
{
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, sep);)
        if (!item.empty())
            out.push_back(item);
    return out;
}

std::vector<double>
parse_numbers(const std::string& s, const std::string& what, size_t count, char sep)
{
    std::vector<double> v;
    for (const auto& x : split_list(s, sep)) {
        try {
            size_t used = 0;
            v.push_back(std::stod(x, &used));
            if (used != x.size())
                throw std::invalid_argument(x);
        } catch (const std::exception&) {
            throw gr::amrcompress::input_error(what + ": '" + x + "' is not a number");
        }
    }
    if (count > 0 && v.size() != count)
        throw gr::amrcompress::input_error(what + " needs " + std::to_string(count) +
                                           " '" + std::string(1, sep) +
                                           "'-separated numbers");
    return v;
}

} // namespace amr
