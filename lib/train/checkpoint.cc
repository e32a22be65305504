/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "checkpoint.h"
#include <gnuradio/amrcompress/error.h>
#include <fcntl.h>
#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace gr {
namespace amrcompress {

std::string checkpoint_bytes(const torch::jit::Module& m,
                             torch::optim::Optimizer& opt,
                             const nlohmann::json& state)
{
    torch::serialize::OutputArchive ar;
    for (const auto& p : m.named_parameters())
        ar.write("param." + p.name, p.value);
    for (const auto& b : m.named_buffers())
        ar.write("buffer." + b.name, b.value, true);
    torch::serialize::OutputArchive o;
    opt.save(o);
    ar.write("optimizer", o);
    ar.write("state", c10::IValue(state.dump()));
    std::ostringstream s;
    ar.save_to(s);
    return s.str();
}

void write_file_atomically(const std::string& path, const std::string& bytes)
{
    const std::string tmp = path + ".partial";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        f.write(bytes.data(), bytes.size());
        f.flush();
        if (!f)
            throw input_error(tmp, "cannot write (disk full or not writable?)");
    }
    // The rename below must not land before the data does.
    const int fd = ::open(tmp.c_str(), O_RDONLY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
    std::filesystem::rename(tmp, path);
}

std::string read_file_bytes(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    if (!f)
        throw input_error(path, "cannot open");
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

nlohmann::json restore_checkpoint(const std::string& bytes,
                                  const std::string& what,
                                  torch::jit::Module& m,
                                  torch::optim::Optimizer& opt)
{
    try {
        std::istringstream s(bytes);
        torch::serialize::InputArchive ar;
        ar.load_from(s);
        {
            torch::NoGradGuard ng;
            for (auto p : m.named_parameters()) {
                torch::Tensor t;
                ar.read("param." + p.name, t);
                if (!t.sizes().equals(p.value.sizes()))
                    throw input_error(what,
                                      "parameter " + p.name +
                                          " has another shape than this run's model");
                p.value.copy_(t);
            }
            for (auto b : m.named_buffers()) {
                torch::Tensor t;
                ar.read("buffer." + b.name, t, true);
                b.value.copy_(t);
            }
        }
        torch::serialize::InputArchive o;
        ar.read("optimizer", o);
        opt.load(o);
        c10::IValue state;
        ar.read("state", state);
        return nlohmann::json::parse(state.toStringRef());
    } catch (const input_error&) {
        throw;
    } catch (const std::exception& e) {
        throw input_error(what, std::string("not a usable training checkpoint: ") + e.what());
    }
}

} // namespace amrcompress
} // namespace gr
