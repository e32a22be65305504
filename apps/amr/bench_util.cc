/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "bench_util.h"
#include "cli.h"
#include <gnuradio/amrcompress/generator.h>
#include <nlohmann/json.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace amr {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string last_line(FILE* pipe)
{
    std::string last;
    char buf[4096];
    while (fgets(buf, sizeof buf, pipe))
        last = buf;
    return last;
}

std::string fmt(double v)
{
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return b;
}

bool run_complete(const std::string& dir)
{
    std::ifstream f(dir + "/metrics.json");
    if (!f)
        return false;
    try {
        json j = json::parse(f);
        return j["epochs"].size() == j["epochs_planned"].get<size_t>() &&
               fs::exists(dir + "/model.pt");
    } catch (const std::exception&) {
        return false;
    }
}

double final_accuracy(const std::string& dir)
{
    std::ifstream f(dir + "/metrics.json");
    json j = json::parse(f);
    const auto& e = j["epochs"].back()["test_acc"];
    return e.is_number() ? e.get<double>() : NAN;
}

void ensure_generated_dataset(const std::string& path,
                              size_t frames_per_cell,
                              float snr_min,
                              uint64_t seed,
                              const std::string& who)
{
    if (fs::exists(path))
        return;
    const fs::path dir = fs::path(path).parent_path();
    if (!dir.empty())
        fs::create_directories(dir);
    gr::amrcompress::generator_config g;
    g.snrs_db.clear();
    for (int snr = std::max(-20, int(std::ceil(snr_min))); snr <= 18; snr += 2)
        g.snrs_db.push_back(snr);
    g.frames_per_cell = frames_per_cell;
    g.seed = seed;
    std::fprintf(stderr, "%s: generating %s\n", who.c_str(), path.c_str());
    progress p(who + ": generating");
    // generate_dataset writes under a temporary name and renames at the end.
    gr::amrcompress::generate_dataset(g, path, true, std::ref(p));
}

} // namespace amr
