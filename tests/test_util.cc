/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "test_util.h"
#include <gnuradio/amrcompress/generator.h>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>

namespace test {

temp_dir::temp_dir()
{
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "amrtestXXXXXX").string();
    if (!mkdtemp(tmpl.data()))
        throw std::runtime_error("mkdtemp failed");
    path = tmpl;
}

temp_dir::~temp_dir()
{
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
}

gr::amrcompress::frame_block make_frames(size_t n, size_t L, int classes, unsigned seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> g;
    gr::amrcompress::frame_block b;
    b.frame_length = L;
    b.iq.resize(n * L * 2);
    for (auto& v : b.iq)
        v = g(rng);
    for (size_t i = 0; i < n; i++) {
        b.labels.push_back(static_cast<int32_t>(i % classes));
        b.snr_db.push_back(2.0f * (i % 5));
    }
    return b;
}

std::string four_class_dataset(const std::string& path, size_t frames_per_cell)
{
    if (!std::filesystem::exists(path)) {
        gr::amrcompress::generator_config g;
        g.classes = { "BPSK", "QPSK", "GFSK", "AM-DSB" };
        g.snrs_db = { 10, 18 };
        g.frames_per_cell = frames_per_cell;
        gr::amrcompress::generate_dataset(g, path, false);
    }
    return path;
}

gr::amrcompress::dataset_info make_info(size_t L, int classes)
{
    gr::amrcompress::dataset_info info;
    for (int c = 0; c < classes; c++)
        info.classes.push_back("C" + std::to_string(c));
    info.frame_length = L;
    info.sample_rate = 1e6;
    info.center_freq = 2.4e9;
    info.source = "unit test";
    info.normalisation = "none";
    return info;
}

} // namespace test
