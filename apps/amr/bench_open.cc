/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `amr bench open`: what the corrupt-file guard costs. Opening a dataset
 * forks a child that opens and walks it first (lib/dataset/hdf5_guard.h);
 * this opens the same file with the guard and without it, alternating, and
 * prints the medians and their ratio.
 */
#include "cli.h"
#include "dataset/hdf5_guard.h"
#include "summary.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <algorithm>
#include <chrono>
#include <cstdio>

namespace amr {

int bench_open(const std::vector<std::string>& args)
{
    using namespace gr::amrcompress;
    std::string file, json_out;
    int runs;
    po::options_description o(
        "Open a dataset with the corrupt-file guard (a checking child process first) and "
        "without it, alternating; medians and their ratio");
    o.add_options()("file", po::value(&file)->required(), "dataset (HDF5)")(
        "runs", po::value(&runs)->default_value(7), "opens of each kind")(
        "json", po::value(&json_out), "also write the figures as JSON ('-' = stdout)");
    po::positional_options_description pos;
    pos.add("file", 1);
    po::variables_map vm;
    if (!parse("bench open", "FILE [options]", args, o, pos, vm))
        return 0;
    if (runs < 1)
        throw input_error("--runs must be >= 1");
    std::vector<double> guarded, unguarded;
    size_t frames = 0;
    for (int r = 0; r < runs; r++)
        for (bool on : { true, false }) {
            h5::set_subprocess_checks(on);
            const auto t0 = std::chrono::steady_clock::now();
            dataset_reader ds(file);
            frames = ds.size();
            const double s =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
                    .count();
            (on ? guarded : unguarded).push_back(s);
        }
    h5::set_subprocess_checks(true);
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    const double g = median(guarded), u = median(unguarded);
    std::printf("amr bench open: %s (%zu frames), %d opens each\n"
                "  with the guard     %8.2f ms\n"
                "  without            %8.2f ms\n"
                "  ratio              %8.2f x\n",
                file.c_str(),
                frames,
                runs,
                g * 1e3,
                u * 1e3,
                g / u);
    if (!json_out.empty())
        write_json({ { "file", file },
                     { "frames", frames },
                     { "runs", runs },
                     { "guarded_ms", g * 1e3 },
                     { "unguarded_ms", u * 1e3 },
                     { "ratio", g / u } },
                   json_out);
    return 0;
}

} // namespace amr
