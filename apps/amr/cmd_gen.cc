/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"
#include "summary.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/generator.h>
#include <chrono>
#include <iostream>

namespace amr {

int cmd_gen(const std::vector<std::string>& args)
{
    using namespace gr::amrcompress;
    generator_config cfg;
    std::string out, classes, json_out;
    int snr_min, snr_max, snr_step;
    po::options_description o(
        "Generate an RML2016.10a-style dataset (see docs/generator.md)");
    o.add_options()("output,o",
                    po::value(&out)->default_value("amr_dataset.h5"),
                    "output dataset (HDF5)")(
        "frames-per-cell,n",
        po::value(&cfg.frames_per_cell)->default_value(1000),
        "frames per (class, SNR)")("frame-length,L",
                                   po::value(&cfg.frame_length)->default_value(128),
                                   "complex samples per frame")(
        "classes", po::value(&classes), "comma-separated class names (default: all 11)")(
        "snr-min", po::value(&snr_min)->default_value(-20), "lowest SNR (dB)")(
        "snr-max", po::value(&snr_max)->default_value(18), "highest SNR (dB)")(
        "snr-step", po::value(&snr_step)->default_value(2), "SNR step (dB)")(
        "seed", po::value(&cfg.seed)->default_value(1), "random seed (reproducible)")(
        "channel",
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
