/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"
#include "summary.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/label_check.h>
#include <cstdio>
#include <iostream>

namespace amr {

int cmd_info(const std::vector<std::string>& args)
{
    using namespace gr::amrcompress;
    std::string file, json_out;
    size_t cells_per_snr;
    unsigned threads;
    po::options_description o(
        "Summarise a dataset: counts per class x SNR, a scan of every frame for NaN/Inf, "
        "and (for files made by amr gen) a label check that regenerates frames with "
        "signal-only and noise-only parts and measures their SNR per label");
    o.add_options()("file", po::value(&file)->required(), "dataset (HDF5)")(
        "no-scan", "do not read every frame (skip the NaN/Inf scan)")(
        "no-check",
        "skip the label check")("check-cells",
                                po::value(&cells_per_snr)->default_value(2),
                                "label check: classes regenerated per SNR (0 = all)")(
        "threads,j",
        po::value(&threads)->default_value(2),
        "threads for the label check")(
        "json", po::value(&json_out), "also write the results as JSON ('-' = stdout)");
    po::positional_options_description pos;
    pos.add("file", 1);
    po::variables_map vm;
    if (!parse("info", "FILE [options]", args, o, pos, vm))
        return 0;

    dataset_reader ds(file);
    auto s = dataset_summary(ds);
    print_summary(s, std::cout);
    // A valid file, but an empty one is never what a script meant to use:
    // say so and exit 1 (after the summary, which shows its structure).
    if (ds.size() == 0) {
        if (!json_out.empty())
            write_json(s, json_out);
        throw input_error(file, "the dataset holds no frames");
    }

    if (!vm.count("no-scan")) {
        progress prog("amr info: scan");
        ds.for_each_block({}, 8192, [&](const frame_block& b, size_t first) {
            prog(first + b.size(), ds.size());
        });
        std::cout << "  scan: all " << ds.size() << " frames readable, no NaN/Inf\n";
        s["scan"] = "ok";
    }

    int rc = 0;
    if (!vm.count("no-check")) {
        progress prog("amr info: label check");
        auto r = check_generated_labels(ds, cells_per_snr, threads, std::ref(prog));
        nlohmann::json jc = { { "available", r.available } };
        if (!r.available) {
            std::cout << "  label check: not available (" << r.reason << ")\n";
            jc["reason"] = r.reason;
        } else {
            std::cout << "  label check: " << r.frames_checked
                      << " frames regenerated from the stored generator parameters; "
                      << r.mismatched << " differ from the file\n";
            std::cout
                << "    SNR label  frames  measured SNR (dB)  per-frame spread (dB)  "
                   "mismatched\n";
            nlohmann::json rows = nlohmann::json::array();
            for (const auto& row : r.rows) {
                std::printf("    %9.1f  %6zu  %16.2f  %21.2f  %10zu\n",
                            row.snr_label,
                            row.frames,
                            row.measured_snr_db,
                            row.frame_snr_std_db,
                            row.mismatched);
                rows.push_back({ { "snr_label", row.snr_label },
                                 { "frames", row.frames },
                                 { "measured_snr_db", row.measured_snr_db },
                                 { "frame_snr_std_db", row.frame_snr_std_db },
                                 { "mismatched", row.mismatched } });
            }
            std::fflush(stdout);
            jc["rows"] = rows;
            jc["frames_checked"] = r.frames_checked;
            jc["mismatched"] = r.mismatched;
            if (r.mismatched) {
                std::cerr << "amr info: " << r.mismatched
                          << " frames do not match their labels\n";
                rc = 1;
            }
        }
        s["label_check"] = jc;
    }
    if (!json_out.empty())
        write_json(s, json_out);
    return rc;
}

} // namespace amr
