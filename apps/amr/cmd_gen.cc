/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"
#include "gen_preset.h"
#include "summary.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/generator.h>
#include <chrono>
#include <filesystem>
#include <iostream>

namespace amr {

namespace {
/*
 * The file's size, estimated per frame (X float32 [L, 2], Y one byte a
 * class, Z, snr_db, capture time and id, plus 2 % for HDF5's chunk index),
 * against the free space where it goes: a 21 GB run should not stop at
 * 90 % with the disk full.
 */
void check_free_space(const std::string& out,
                      const gr::amrcompress::generator_config& cfg,
                      size_t frames)
{
    namespace fs = std::filesystem;
    const double per_frame = 8.0 * cfg.frame_length + cfg.classes.size() + 8 + 4 + 16;
    const double need = frames * per_frame * 1.02 + (1 << 20);
    fs::path dir = fs::absolute(out).parent_path();
    std::error_code ec;
    const auto space = fs::space(dir, ec);
    if (ec)
        return; // unknown (a file system that does not say): let the writer find out
    if (double(space.available) < need)
        throw gr::amrcompress::input_error(
            out,
            "needs about " + std::to_string(int64_t(need / 1e6)) + " MB but " +
                dir.string() + " has " + std::to_string(int64_t(space.available / 1e6)) +
                " MB free: free some space, or generate fewer frames per cell (-n)");
}
} // namespace

int cmd_gen(const std::vector<std::string>& args)
{
    using namespace gr::amrcompress;
    generator_config cfg;
    std::string out, classes, json_out, preset;
    int snr_min, snr_max, snr_step;
    po::options_description o(
        "Generate an RML2016.10a-style dataset, or with --preset rml2018 an "
        "RML2018.01a-style one (see docs/generator.md)");
    o.add_options()("preset",
                    po::value(&preset),
                    "rml2018: RML2018.01a's 24 classes in its order, 1024-sample "
                    "frames, SNR -20..30 dB step 2, 4096 frames per cell (21 GB; "
                    "-n, -L and the SNR options still apply)")(
        "output,o",
        po::value(&out)->default_value("amr_dataset.h5"),
        "output dataset (HDF5)")("frames-per-cell,n",
                                 po::value(&cfg.frames_per_cell)->default_value(1000),
                                 "frames per (class, SNR)")(
        "frame-length,L",
        po::value(&cfg.frame_length)->default_value(128),
        "complex samples per frame")(
        "classes", po::value(&classes), "comma-separated class names (default: all 11)")(
        "snr-min", po::value(&snr_min)->default_value(-20), "lowest SNR (dB)")(
        "snr-max", po::value(&snr_max)->default_value(18), "highest SNR (dB)")(
        "snr-step", po::value(&snr_step)->default_value(2), "SNR step (dB)")(
        "seed", po::value(&cfg.seed)->default_value(1), "random seed (reproducible)")(
        "window-gap",
        po::value(&cfg.window_gap)->default_value(2.0, "2"),
        "frames are cut at random strides of L..L*(1+gap) from each cell's burst "
        "(rml2018 preset: 0.1)")("channel",
                                 po::value(&cfg.channel)->default_value("rml2016"),
                                 "rml2016 (dynamic channel model) or awgn")(
        "normalisation",
        po::value(&cfg.normalisation)->default_value("l1"),
        "per-frame normalisation: l1 (as RML2016.10a), power or none")(
        "threads,j",
        po::value(&cfg.threads)->default_value(2),
        "cells generated in parallel")("force,f", "overwrite the output file")(
        "json",
        po::value(&json_out),
        "also write the summary as JSON to this file ('-' = stdout)");
    po::variables_map vm;
    if (!parse("gen", "[options]", args, o, {}, vm))
        return 0;
    if (!preset.empty()) {
        // The preset's shape, unless an option says otherwise.
        const generator_config p = generator_preset(preset);
        cfg.classes = p.classes;
        if (vm["frame-length"].defaulted())
            cfg.frame_length = p.frame_length;
        if (vm["frames-per-cell"].defaulted())
            cfg.frames_per_cell = p.frames_per_cell;
        if (vm["snr-min"].defaulted())
            snr_min = p.snrs_db.front();
        if (vm["snr-max"].defaulted())
            snr_max = p.snrs_db.back();
        if (vm["window-gap"].defaulted())
            cfg.window_gap = p.window_gap;
    }
    if (vm.count("classes"))
        cfg.classes = split_list(classes);
    if (snr_step <= 0 || snr_min > snr_max)
        throw input_error(
            "SNR range must have --snr-min <= --snr-max and a positive step");
    cfg.snrs_db.clear();
    for (int s = snr_min; s <= snr_max; s += snr_step)
        cfg.snrs_db.push_back(s);
    cfg.validate();

    const size_t total = cfg.classes.size() * cfg.snrs_db.size() * cfg.frames_per_cell;
    check_free_space(out, cfg, total);
    std::cerr << "amr gen: " << cfg.classes.size() << " classes x " << cfg.snrs_db.size()
              << " SNRs x " << cfg.frames_per_cell << " frames = " << total
              << " frames -> " << out << "\n";
    auto t0 = std::chrono::steady_clock::now();
    progress prog("amr gen: cells");
    generate_dataset(cfg, out, vm.count("force") > 0, std::ref(prog));
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    dataset_reader ds(out);
    auto s = dataset_summary(ds);
    s["seconds"] = secs;
    s["frames_per_second"] = total / secs;
    print_summary(s, std::cout);
    std::printf("  generated in %.1f s (%.0f frames/s, %u threads)\n",
                secs,
                total / secs,
                cfg.threads);
    if (!json_out.empty())
        write_json(s, json_out);
    return 0;
}

} // namespace amr
