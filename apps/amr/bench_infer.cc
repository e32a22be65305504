/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * amr bench infer: the inference engines alone (no flowgraph), side by side
 * in one process: LibTorch and the native engine at fp32, bf16 and int8,
 * each model and batch size measured in turns, so that a slow spell of this
 * shared machine hits all alike; the table gives medians and the ratios to
 * LibTorch.
 */
#include "bench_util.h"
#include "cli.h"
#include "deploy/native/native_backend.h"
#include "deploy/native/quantize_model.h"
#include "summary.h"
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/model.h>
#include <gnuradio/amrcompress/train.h>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

namespace amr {

namespace {

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0
                     : (v.size() % 2 ? v[v.size() / 2]
                                     : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]));
}

} // namespace

int bench_infer(const std::vector<std::string>& args)
{
    using namespace gr::amrcompress;
    std::vector<std::string> models;
    std::string data, batches, precisions, json_out, tmp_dir;
    double seconds;
    int repeat, threads;
    po::options_description o("Inference engines alone on batches of frames, side by "
                              "side in one process: LibTorch "
                              "(as the classifier ran before the native engine) and the "
                              "native oneDNN engine at "
                              "each precision; frames/s, medians over --repeat turns, "
                              "and each engine's ratio to "
                              "LibTorch");
    o.add_options()("model",
                    po::value(&models)->composing()->required(),
                    "NAME=model.pt (repeat the option for several)")(
        "data",
        po::value(&data),
        "the models' dataset: int8 calibration (amr quantize) of models that lack one")(
        "batches", po::value(&batches)->default_value("1,8,32,128"), "batch sizes")(
        "precisions",
        po::value(&precisions)->default_value("fp32,bf16,int8"),
        "native precisions to measure")(
        "threads", po::value(&threads)->default_value(1), "compute threads")(
        "seconds", po::value(&seconds)->default_value(1.0), "per measurement")(
        "repeat", po::value(&repeat)->default_value(3), "turns (medians are reported)")(
        "tmp",
        po::value(&tmp_dir),
        "where calibrated copies go (default: a temporary dir)")(
        "json", po::value(&json_out), "write the results as JSON");
    po::variables_map vm;
    if (!parse(
            "bench infer", "--model NAME=PATH [--model ...] [options]", args, o, {}, vm))
        return 0;
    const auto bs = parse_numbers(batches, "--batches");
    auto precs = split_list(precisions);
    if (std::find(precs.begin(), precs.end(), "bf16") != precs.end() &&
        !deploy::native_bf16_available()) {
        // Measured as fp32 it would print a bf16 column that is not bf16.
        std::printf("bf16 skipped: this CPU has no AVX512-BF16 instructions\n");
        precs.erase(std::remove(precs.begin(), precs.end(), "bf16"), precs.end());
    }
    if (tmp_dir.empty())
        tmp_dir = (std::filesystem::temp_directory_path() / "amr_bench_infer").string();
    std::filesystem::create_directories(tmp_dir);

    struct entry {
        std::string name, path, int8_path;
        double mflops;
    };
    std::vector<entry> es;
    for (const auto& m : models) {
        const auto eq = m.find('=');
        if (eq == std::string::npos)
            throw input_error("--model " + m + ": expected NAME=PATH");
        entry e{ m.substr(0, eq), m.substr(eq + 1), "", 0 };
        e.mflops = read_model_info(e.path).flops / 1e6;
        if (std::find(precs.begin(), precs.end(), "int8") != precs.end()) {
            if (data.empty())
                throw input_error(
                    "int8 needs --data (the models' dataset) for calibration");
            e.int8_path = tmp_dir + "/" + e.name + "_int8.pt";
            deploy::quantize_model(e.path, data, e.int8_path);
        }
        es.push_back(e);
    }
    std::vector<std::string> engines = { "libtorch" };
    for (const auto& p : precs)
        engines.push_back(p);
    // results[model][batch][engine] = runs
    std::map<std::string, std::map<int, std::map<std::string, std::vector<double>>>> res;
    progress prog("bench infer");
    const size_t total = size_t(repeat) * es.size() * bs.size() * engines.size();
    size_t done = 0;
    for (int r = 0; r < repeat; r++)
        for (const auto& e : es)
            for (double b : bs)
                for (const auto& eng : engines) {
                    const bool lt = eng == "libtorch";
                    const std::string& path = eng == "int8" ? e.int8_path : e.path;
                    res[e.name][int(b)][eng].push_back(
                        measure_inference_throughput(path,
                                                     size_t(b),
                                                     seconds,
                                                     threads,
                                                     lt ? "libtorch" : "native",
                                                     lt ? "fp32" : eng));
                    prog(++done, total);
                }

    std::printf("\n| model | MFLOPs/frame | batch |");
    for (const auto& eng : engines)
        std::printf(" %s frames/s |",
                    eng == "libtorch" ? "LibTorch" : ("native " + eng).c_str());
    for (size_t k = 1; k < engines.size(); k++)
        std::printf(" %s / LibTorch |", engines[k].c_str());
    std::printf("\n|---|---:|---:|");
    for (size_t k = 0; k < 2 * engines.size() - 1; k++)
        std::printf("---:|");
    std::printf("\n");
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& e : es)
        for (double b : bs) {
            auto& cell = res[e.name][int(b)];
            std::map<std::string, double> med;
            for (const auto& eng : engines)
                med[eng] = median(cell[eng]);
            std::printf("| %s | %.2f | %d |", e.name.c_str(), e.mflops, int(b));
            for (const auto& eng : engines)
                std::printf(" %s |", fmt(std::round(med[eng])).c_str());
            for (size_t k = 1; k < engines.size(); k++)
                std::printf(" %.2f |", med[engines[k]] / med["libtorch"]);
            std::printf("\n");
            rows.push_back({ { "model", e.name },
                             { "path", e.path },
                             { "mflops", e.mflops },
                             { "batch", int(b) },
                             { "threads", threads },
                             { "frames_per_s", med },
                             { "runs", cell } });
        }
    std::fflush(stdout);
    if (!json_out.empty())
        write_json({ { "seconds", seconds }, { "repeat", repeat }, { "rows", rows } },
                   json_out);
    return 0;
}

} // namespace amr
