/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * amr bench ddp: data-parallel training throughput for 1, 2, 4 ... local
 * ranks in one run (each an `amr train --nproc K` process tree), the exposed
 * communication of each step, and the estimate of recording FoQuS dynamics on
 * RML2018.01a with N hosts from the measured per-step costs.
 */
#include "bench_util.h"
#include "cli.h"
#include "launch_ranks.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/train.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

namespace amr {

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

struct ddp_row {
    int ranks = 0, threads = 0;
    double peak_rss_mib = 0; // rank 0's
    double samples_per_s = 0, step_ms = 0, exposed_comm_ms = 0, allreduce_ms = 0;
    double independent_samples_per_s = 0; // K processes training alone: the ceiling
    size_t steps = 0;
};

int run_child(const std::vector<std::string>& a)
{
    std::vector<char*> argv;
    std::vector<std::string> copy = a;
    for (auto& s : copy)
        argv.push_back(s.data());
    argv.push_back(nullptr);
    const pid_t pid = fork();
    if (pid == 0) { // progress (stderr) stays visible; the summaries do not
        if (FILE* null = std::freopen("/dev/null", "w", stdout); !null)
            _exit(127);
        execv(argv[0], argv.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

// Per-step figures of a finished run, from the epochs after the first (warm-up).
ddp_row read_run(const std::string& dir, int ranks, int threads, size_t batch)
{
    std::ifstream f(dir + "/metrics.json");
    const json m = json::parse(f);
    const auto& ep = m.at("epochs");
    const size_t first = ep.size() > 1 ? 1 : 0;
    double sec = 0, comm = 0;
    for (size_t i = first; i < ep.size(); i++) {
        sec += ep[i].at("seconds").get<double>();
        comm += ep[i].at("comm_seconds").get<double>();
    }
    const size_t epochs = ep.size() - first;
    const size_t n = m.at("train_frames");
    ddp_row r;
    r.ranks = ranks;
    r.threads = threads;
    r.steps = (n + batch - 1) / batch;
    r.samples_per_s = n * epochs / sec;
    r.step_ms = 1e3 * sec / (epochs * r.steps);
    r.exposed_comm_ms = 1e3 * comm / (epochs * r.steps);
    r.allreduce_ms =
        1e3 * m.at("distributed").at("allreduce_seconds_per_step").get<double>();
    r.peak_rss_mib = m.value("peak_rss_mib", 0.0);
    return r;
}

} // namespace

int bench_ddp(const std::vector<std::string>& args)
{
    std::string dir, model, ranks_s, json_out, data_in;
    size_t frames_per_cell, batch, window, frame_memory;
    int epochs, threads;
    double gbit, hosts_max;
    po::options_description o(
        "Data-parallel training throughput with 1, 2, 4 ... local ranks (Gloo on "
        "loopback), "
        "side by side in one run, and the estimated time to record FoQuS dynamics on "
        "RML2018.01a with N hosts");
    o.add_options()(
        "dir,o", po::value(&dir)->default_value("bench-ddp"), "work directory")(
        "model,m", po::value(&model)->default_value("cnn1d"), "model")(
        "ranks", po::value(&ranks_s)->default_value("1,2,4"), "rank counts")(
        "threads", po::value(&threads)->default_value(1), "intra-op threads per rank")(
        "frames-per-cell",
        po::value(&frames_per_cell)->default_value(100),
        "generated frames per (class, SNR)")("epochs,e",
                                             po::value(&epochs)->default_value(3),
                                             "epochs per run (the first is warm-up)")(
        "batch,b", po::value(&batch)->default_value(128), "global batch")(
        "data",
        po::value(&data_in),
        "train on this dataset instead of a generated RML2016-style one; with "
        "RML2018's shape (1024-sample frames, 24 classes, e.g. `amr gen --preset "
        "rml2018`) the estimate uses the per-step figures measured on it")(
        "shuffle-window",
        po::value(&window)->default_value(0, "all"),
        "amr train --shuffle-window: 0 a full permutation, else shuffle windows")(
        "frame-memory",
        po::value(&frame_memory)->default_value(256),
        "MiB for each rank's training frames (amr train --frame-memory): a smaller "
        "value streams a selection that would be held")(
        "gbit",
        po::value(&gbit)->default_value(1.0),
        "host network for the estimate (Gbit/s)")(
        "hosts", po::value(&hosts_max)->default_value(8), "largest host count estimated")(
        "json", po::value(&json_out), "write the results as JSON");
    po::variables_map vm;
    if (!parse("bench ddp", "[options]", args, o, {}, vm))
        return 0;
    const auto ranks = parse_numbers(ranks_s, "--ranks");
    const std::string data = data_in.empty() ? dir + "/data.h5" : data_in;
    if (data_in.empty())
        ensure_generated_dataset(data, { "", frames_per_cell, -20, 1 }, "amr bench ddp");

    const gr::amrcompress::dataset_info shape =
        gr::amrcompress::dataset_reader(data).info();
    std::vector<ddp_row> rows;
    for (double rk : ranks) {
        const int k = int(rk);
        if (k < 1)
            throw gr::amrcompress::input_error("--ranks: counts must be >= 1");
        const std::string out = dir + "/ranks-" + std::to_string(k);
        std::fprintf(stderr, "amr bench ddp: %d rank(s) x %d thread(s)\n", k, threads);
        const int rc = run_child({ self_path(),
                                   "train",
                                   data,
                                   "-o",
                                   out,
                                   "-m",
                                   model,
                                   "-e",
                                   std::to_string(epochs),
                                   "-b",
                                   std::to_string(batch),
                                   "--threads",
                                   std::to_string(threads),
                                   "--eval-every",
                                   "0",
                                   "--shuffle-window",
                                   std::to_string(window),
                                   "--frame-memory",
                                   std::to_string(frame_memory),
                                   "--nproc",
                                   std::to_string(k) });
        if (rc != 0)
            throw std::runtime_error("amr train --nproc " + std::to_string(k) +
                                     " failed");
        rows.push_back(read_run(out, k, threads, batch));
        std::fprintf(
            stderr, "amr bench ddp: %d independent process(es), no communication\n", k);
        rows.back().independent_samples_per_s =
            concurrent_train_rate(model,
                                  k,
                                  std::max<size_t>(1, batch / k),
                                  threads,
                                  shape.frame_length,
                                  shape.classes.size());
    }

    // The estimate: one rank per host; a step's compute is that of the local
    // batch (measured here at RML2018's frame length and classes), its
    // all-reduce a ring over the network (2 (N-1)/N of the gradient bytes
    // each way) plus the loopback-measured latency of the collective.
    const size_t L = 1024, C = 24, N18 = 2555904;
    const double train_share = 0.8;
    std::ifstream mf(dir + "/ranks-" + std::to_string(int(ranks[0])) + "/metrics.json");
    const json m0 = json::parse(mf);
    // Measured on the data itself when it has RML2018's shape and the first
    // run had one rank; else one rank's throughput at that shape on random frames.
    const bool rml2018_shape = m0.at("model").at("frame_length").get<size_t>() == L &&
                               m0.at("model").at("classes").size() == C &&
                               int(ranks[0]) == 1;
    double sps_1024 = rml2018_shape ? rows[0].samples_per_s : 0;
    if (!rml2018_shape) {
        std::fprintf(
            stderr, "amr bench ddp: measuring %s at L=%zu, C=%zu\n", model.c_str(), L, C);
        sps_1024 = gr::amrcompress::measure_train_throughput(
            model, C, L, batch, 5, 6.0, 3, threads);
    }
    const double params = m0.at("model").at("params").get<double>();
    double lat_ms = 0; // loopback all-reduce of the gradients, 2 ranks (latency-bound)
    for (const auto& r : rows)
        if (r.ranks == 2)
            lat_ms = r.allreduce_ms;
    const double steps_per_epoch = std::ceil(N18 * train_share / batch);
    json est = json::array();
    std::printf("\n%-6s %-8s %12s %10s %14s %14s %10s %16s %12s %12s\n",
                "ranks",
                "threads",
                "samples/s",
                "step ms",
                "exposed comm",
                "allreduce ms",
                "speed-up",
                "independent s/s",
                "of ceiling",
                "rank-0 MiB");
    for (const auto& r : rows)
        std::printf(
            "%-6d %-8d %12.0f %10.2f %13.1f%% %14.2f %9.2fx %16.0f %11.0f%% %12.0f\n",
            r.ranks,
            r.threads,
            r.samples_per_s,
            r.step_ms,
            100 * r.exposed_comm_ms / r.step_ms,
            r.allreduce_ms,
            r.samples_per_s / rows[0].samples_per_s,
            r.independent_samples_per_s,
            100 * r.samples_per_s / r.independent_samples_per_s,
            r.peak_rss_mib);
    std::printf(
        "\nRML2018.01a estimate (%.0f train frames, %zu-sample frames, batch %zu, "
        "%.0f Gbit/s): %s trains %.0f samples/s on one host (%d thread(s), %s)\n",
        N18 * train_share,
        L,
        batch,
        gbit,
        model.c_str(),
        sps_1024,
        threads,
        rml2018_shape ? ("measured on " + data).c_str() : "random frames");
    std::printf("%-6s %14s %14s %16s %16s\n",
                "hosts",
                "compute ms",
                "allreduce ms",
                "hours / epoch",
                "hours / 30 ep.");
    for (int h = 1; h <= int(hosts_max); h *= 2) {
        const double compute_ms = 1e3 * (double(batch) / h) / sps_1024;
        const double bytes = params * 4;
        const double ar_ms =
            h == 1 ? 0 : lat_ms + 1e3 * 2.0 * (h - 1) / h * bytes * 8 / (gbit * 1e9);
        const double epoch_h = steps_per_epoch * (compute_ms + ar_ms) / 1e3 / 3600;
        std::printf("%-6d %14.2f %14.2f %16.2f %16.1f\n",
                    h,
                    compute_ms,
                    ar_ms,
                    epoch_h,
                    30 * epoch_h);
        est.push_back({ { "hosts", h },
                        { "compute_ms", compute_ms },
                        { "allreduce_ms", ar_ms },
                        { "hours_per_epoch", epoch_h },
                        { "hours_30_epochs", 30 * epoch_h } });
    }
    if (vm.count("json")) {
        json rj = json::array();
        for (const auto& r : rows)
            rj.push_back({ { "ranks", r.ranks },
                           { "threads", r.threads },
                           { "samples_per_s", r.samples_per_s },
                           { "step_ms", r.step_ms },
                           { "exposed_comm_ms", r.exposed_comm_ms },
                           { "allreduce_ms", r.allreduce_ms },
                           { "steps", r.steps },
                           { "independent_samples_per_s", r.independent_samples_per_s },
                           { "peak_rss_mib", r.peak_rss_mib } });
        json j = { { "model", model },
                   { "params", params },
                   { "batch", batch },
                   { "data", data },
                   { "shuffle_window", window },
                   { "frame_memory_mib", frame_memory },
                   { "cores", std::thread::hardware_concurrency() },
                   { "runs", rj },
                   { "rml2018_estimate",
                     { { "samples_per_s_one_host", sps_1024 },
                       { "gbit", gbit },
                       { "loopback_allreduce_ms", lat_ms },
                       { "hosts", est } } } };
        std::ofstream(json_out) << j.dump(2) << "\n";
    }
    return 0;
}

} // namespace amr
