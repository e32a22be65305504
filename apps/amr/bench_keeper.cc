/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * amr bench keeper: the on-device coreset keeper against two references at
 * the same budget. The training part of a dataset is streamed, in random
 * order, through the keeper (as the block would see it, refreshes run in
 * line so that nothing is dropped); a uniform reservoir sample of the same
 * stream and offline FoQuS (a full recorded training run, then `amr select`)
 * pick as many frames. A fresh model trained on each selection is tested on
 * the test part. CPU time per refresh is the keeper's cost on the device.
 */
#include "../../lib/keeper/keeper_core.h"
#include "bench_util.h"
#include "cli.h"
#include "summary.h"
#include <gnuradio/amrcompress/coreset.h>
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/selection.h>
#include <gnuradio/amrcompress/train.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <numeric>
#include <random>

namespace amr {

using namespace gr::amrcompress;
namespace fs = std::filesystem;

namespace {

double thread_cpu_seconds()
{
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

double wall_seconds()
{
    return std::chrono::duration<double>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

struct selection {
    std::string name;
    std::vector<size_t> frames; // dataset indices
    double cpu_seconds = 0;     // to select (keeper: all refreshes)
    double accuracy = NAN;      // of a fresh model trained on it
};

} // namespace

int bench_keeper(const std::vector<std::string>& args)
{
    std::string dataset, out, model, json_out;
    double rate;
    int epochs, dyn_epochs, scoring_epochs, threads;
    size_t refresh, per_cell;
    uint64_t seed;
    po::options_description o(
        "The coreset keeper vs a uniform reservoir and offline FoQuS at the same budget: "
        "accuracy of a model trained on each, and the keeper's CPU time per refresh");
    o.add_options()("dataset",
                    po::value(&dataset)->default_value("amr-bench/keeper_dataset.h5"),
                    "dataset (generated if missing: 11 classes, -10..18 dB)")(
        "frames-per-cell,n",
        po::value(&per_cell)->default_value(150),
        "frames per (class, SNR) when generating")(
        "out,o", po::value(&out)->default_value("amr-bench/keeper"), "output directory")(
        "model",
        po::value(&model)->default_value("cnn1d"),
        "architecture of every model")("rate",
                                       po::value(&rate)->default_value(0.05, "0.05"),
                                       "budget as a share of the stream")(
        "refresh",
        po::value(&refresh)->default_value(500),
        "keeper: refresh every N frames")("scoring-epochs",
                                          po::value(&scoring_epochs)->default_value(2),
                                          "keeper: scoring epochs per refresh")(
        "dynamics-epochs",
        po::value(&dyn_epochs)->default_value(15),
        "offline FoQuS: epochs of the recorded run")(
        "epochs,e",
        po::value(&epochs)->default_value(30),
        "epochs of each coreset model")(
        "threads,j", po::value(&threads)->default_value(1), "LibTorch threads")(
        "seed", po::value(&seed)->default_value(1), "seed")(
        "json", po::value(&json_out), "write the results as JSON");
    po::positional_options_description pos;
    pos.add("dataset", 1);
    po::variables_map vm;
    if (!parse("bench keeper", "[DATASET] [options]", args, o, pos, vm))
        return 0;
    if (!(rate > 0 && rate <= 1))
        throw input_error("--rate must be in (0, 1]");
    ensure_generated_dataset(dataset, { "", per_cell, -10, seed }, "bench keeper");
    fs::create_directories(out);
    dataset_reader ds(dataset);

    // The stream: the training part in random order (test part held back).
    const auto split = stratified_split(ds.labels(), ds.snr_db(), 0.8);
    std::vector<size_t> stream = split.train;
    std::mt19937_64 rng(seed);
    std::shuffle(stream.begin(), stream.end(), rng);
    const size_t budget = std::max<size_t>(1, size_t(std::lround(rate * stream.size())));
    std::printf("stream %zu frames, test %zu, budget %zu (%.1f %%)\n",
                stream.size(),
                split.test.size(),
                budget,
                100 * rate);

    std::vector<selection> sel;
    // 1. The keeper, fed exactly as the block feeds it.
    keeper::keeper_config kc;
    kc.model = model;
    kc.classes = ds.info().classes;
    kc.frame_length = ds.info().frame_length;
    kc.normalisation = ds.info().normalisation == "power" ? "power" : "l1";
    kc.budget = budget;
    kc.refresh_frames = refresh;
    kc.epochs_per_refresh = scoring_epochs;
    kc.holdout_frames = 0;
    kc.buffer_frames = refresh;
    kc.threads = threads;
    kc.seed = seed;
    keeper::keeper_core keeper(kc);
    std::vector<double> refresh_cpu, refresh_wall;
    {
        progress p("bench keeper: streaming");
        for (size_t first = 0; first < stream.size(); first += refresh) {
            std::vector<size_t> idx(stream.begin() + first,
                                    stream.begin() +
                                        std::min(stream.size(), first + refresh));
            const frame_block b = ds.read_indices(idx);
            for (size_t i = 0; i < b.size(); i++)
                keeper.offer(reinterpret_cast<const gr_complex*>(b.frame(i)),
                             b.labels[i],
                             b.snr_db[i],
                             int64_t(idx[i]));
            const double c0 = thread_cpu_seconds(), w0 = wall_seconds();
            keeper.refresh();
            refresh_cpu.push_back(thread_cpu_seconds() - c0);
            refresh_wall.push_back(wall_seconds() - w0);
            p(first + idx.size(), stream.size());
        }
    }
    selection k{ "keeper (streaming FoQuS)" };
    for (int64_t id : keeper.member_ids())
        k.frames.push_back(size_t(id));
    k.cpu_seconds = std::accumulate(refresh_cpu.begin(), refresh_cpu.end(), 0.0);
    sel.push_back(k);

    // 2. A uniform reservoir sample of the same stream (Algorithm R).
    selection u{ "uniform reservoir" };
    {
        const double c0 = thread_cpu_seconds();
        std::mt19937_64 r(seed + 7);
        for (size_t i = 0; i < stream.size(); i++) {
            if (u.frames.size() < budget)
                u.frames.push_back(stream[i]);
            else if (const uint64_t j = r() % (i + 1); j < budget)
                u.frames[j] = stream[i];
        }
        u.cpu_seconds = thread_cpu_seconds() - c0;
    }
    sel.push_back(u);

    // 3. Offline FoQuS: a full recorded run, then selection at the same rate.
    train_config full;
    full.dataset = dataset;
    full.model = model;
    full.epochs = dyn_epochs;
    full.threads = threads;
    full.seed = seed;
    full.out_dir = out + "/full";
    std::fprintf(stderr,
                 "bench keeper: recorded run on all %zu frames (%d epochs)\n",
                 stream.size(),
                 dyn_epochs);
    const double c_full = thread_cpu_seconds();
    progress pf("bench keeper: full run");
    const auto full_run = train_model(full, nullptr, std::ref(pf));
    const auto dyn = read_dynamics(full_run.dynamics_path);
    coreset_inputs in;
    in.labels = dyn.label;
    in.snr_db = dyn.snr_db;
    in.num_classes = dyn.classes.size();
    in.dynamics = &dyn;
    coreset_options co;
    co.method = "foqus";
    co.rate = double(budget) / dyn.size();
    co.seed = seed;
    selection f{ "offline FoQuS (full run)" };
    for (size_t r : select_coreset(in, co).rows)
        f.frames.push_back(dyn.index[r]);
    f.cpu_seconds = thread_cpu_seconds() - c_full;
    sel.push_back(f);
    const double full_acc = full_run.epochs.back().test_acc;

    // A fresh model on each selection, tested on the same test part.
    for (auto& s : sel) {
        const std::string dir = out + "/" + s.name.substr(0, s.name.find(' '));
        fs::create_directories(dir);
        write_index_file(dir + "/index.txt", s.frames, s.name);
        train_config t = full;
        t.index_file = dir + "/index.txt";
        t.epochs = epochs;
        t.out_dir = dir;
        t.record_dynamics = false;
        t.eval_every = 0;
        progress pt("bench keeper: training on " + s.name);
        s.accuracy = train_model(t, nullptr, std::ref(pt)).epochs.back().test_acc;
    }

    const double mean_cpu =
        refresh_cpu.empty() ? 0 : sel[0].cpu_seconds / refresh_cpu.size();
    const double max_cpu = *std::max_element(refresh_cpu.begin(), refresh_cpu.end());
    std::printf("\n| selection | frames | test accuracy | CPU s to select "
                "|\n|---|---:|---:|---:|\n");
    for (const auto& s : sel)
        std::printf("| %s | %zu | %.4f | %.2f |\n",
                    s.name.c_str(),
                    s.frames.size(),
                    s.accuracy,
                    s.cpu_seconds);
    std::printf("| all frames (reference) | %zu | %.4f | |\n", stream.size(), full_acc);
    std::printf("\nkeeper: %zu refreshes, CPU per refresh %.3f s mean, %.3f s max "
                "(wall %.3f s mean); %s, %d scoring epochs, refresh every %zu frames\n",
                refresh_cpu.size(),
                mean_cpu,
                max_cpu,
                std::accumulate(refresh_wall.begin(), refresh_wall.end(), 0.0) /
                    refresh_wall.size(),
                model.c_str(),
                scoring_epochs,
                refresh);
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& s : sel)
        rows.push_back({ { "selection", s.name },
                         { "frames", s.frames.size() },
                         { "test_accuracy", s.accuracy },
                         { "cpu_seconds", s.cpu_seconds } });
    nlohmann::json j = { { "dataset", dataset },
                         { "stream_frames", stream.size() },
                         { "test_frames", split.test.size() },
                         { "budget", budget },
                         { "rate", rate },
                         { "model", model },
                         { "epochs", epochs },
                         { "full_accuracy", full_acc },
                         { "refreshes", refresh_cpu.size() },
                         { "refresh_cpu_seconds_mean", mean_cpu },
                         { "refresh_cpu_seconds_max", max_cpu },
                         { "keeper_stats", nlohmann::json::parse(keeper.stats_json()) },
                         { "selections", rows } };
    if (!json_out.empty())
        write_json(j, json_out);
    return 0;
}

} // namespace amr
