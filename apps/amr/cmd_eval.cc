/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"
#include "summary.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/selection.h>
#include <gnuradio/amrcompress/train.h>
#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

namespace amr {


int cmd_eval(const std::vector<std::string>& args)
{
    using namespace gr::amrcompress;
    std::string model, dataset, out, index, engine, precision;
    float snr_min = -1e30f, snr_max = 1e30f;
    double train_fraction;
    int threads;
    size_t batch;
    po::options_description o(
        "Evaluate a model: accuracy overall, per SNR and the confusion matrix, as JSON "
        "and CSV, plus PNG plots (accuracy vs SNR, confusion matrix)");
    o.add_options()("model", po::value(&model)->required(), "model.pt")(
        "dataset", po::value(&dataset)->required(), "dataset (HDF5)")(
        "out,o", po::value(&out)->required(), "output directory")(
        "index", po::value(&index), "evaluate the frames in this index file")(
        "all", "evaluate every frame (default: the test part of the split)")(
        "train-fraction",
        po::value(&train_fraction)->default_value(0.8, "0.8"),
        "split used for the test part")(
        "snr-min", po::value(&snr_min), "lowest SNR (dB)")(
        "snr-max", po::value(&snr_max), "highest SNR (dB)")(
        "threads,j", po::value(&threads)->default_value(1), "intra-op threads")(
        "batch-size,b", po::value(&batch)->default_value(512), "batch size")(
        "save-logits", "also write logits.csv (one row of C logits per frame)")(
        "precision",
        po::value(&precision)->default_value("fp32"),
        "fp32, bf16 or int8 (int8: a model calibrated by amr quantize), on the native "
        "engine")("engine",
                  po::value(&engine)->default_value("auto"),
                  "auto (the native engine when it can run the model, else LibTorch), "
                  "native or libtorch")("no-plots", "skip the PNG plots");
    po::positional_options_description pos;
    pos.add("model", 1).add("dataset", 1);
    po::variables_map vm;
    if (!parse("eval", "MODEL DATASET -o OUT [options]", args, o, pos, vm))
        return 0;

    std::vector<size_t> idx;
    {
        dataset_reader ds(dataset);
        frame_filter f;
        f.snr_min = snr_min;
        f.snr_max = snr_max;
        if (!index.empty())
            f.indices = read_index_file(index, ds.size());
        idx = select_frames(ds, f);
        if (index.empty() && !vm.count("all"))
            idx = stratified_split(ds.labels(), ds.snr_db(), train_fraction, idx).test;
        if (idx.empty())
            throw input_error(dataset, "no frames selected for evaluation");
    }
    auto r = evaluate_model(model,
                            dataset,
                            idx,
                            threads,
                            batch,
                            vm.count("save-logits") > 0,
                            engine,
                            precision);

    const size_t C = r.classes.size();
    std::vector<std::vector<size_t>> confusion(C, std::vector<size_t>(C, 0));
    std::map<float, std::pair<size_t, size_t>> per_snr;
    for (size_t i = 0; i < r.labels.size(); i++) {
        confusion[r.labels[i]][r.predictions[i]]++;
        auto& e = per_snr[r.snr_db[i]];
        e.first += r.labels[i] == r.predictions[i];
        e.second++;
    }
    std::filesystem::create_directories(out);
    nlohmann::json snr_rows = nlohmann::json::array();
    std::ofstream csv(out + "/accuracy_per_snr.csv");
    csv << "snr_db,frames,correct,accuracy\n";
    for (const auto& [snr, e] : per_snr) {
        double a = double(e.first) / e.second;
        snr_rows.push_back(
            { { "snr_db", snr }, { "frames", e.second }, { "accuracy", a } });
        csv << snr << "," << e.second << "," << e.first << "," << a << "\n";
    }
    std::ofstream cm(out + "/confusion.csv");
    cm << "true\\predicted";
    for (const auto& c : r.classes)
        cm << "," << c;
    cm << "\n";
    for (size_t i = 0; i < C; i++) {
        cm << r.classes[i];
        for (size_t j = 0; j < C; j++)
            cm << "," << confusion[i][j];
        cm << "\n";
    }
    std::ofstream pred(out + "/predictions.csv");
    pred << "index,label,prediction,snr_db\n";
    for (size_t i = 0; i < r.indices.size(); i++)
        pred << r.indices[i] << "," << r.labels[i] << "," << r.predictions[i] << ","
             << r.snr_db[i] << "\n";
    if (!r.logits.empty()) {
        std::ofstream lg(out + "/logits.csv");
        lg.precision(9);
        for (size_t i = 0; i < r.indices.size(); i++) {
            for (size_t c = 0; c < C; c++)
                lg << (c ? "," : "") << r.logits[i * C + c];
            lg << "\n";
        }
    }
    nlohmann::json j = { { "model", model },
                         { "dataset", dataset },
                         { "frames", r.indices.size() },
                         { "precision", precision },
                         { "backend", r.backend },
                         { "accuracy", r.accuracy() },
                         { "classes", r.classes },
                         { "accuracy_per_snr", snr_rows },
                         { "confusion", confusion } };
    write_json(j, out + "/eval.json");

    std::printf("amr eval: %zu frames, accuracy %.4f (%s)\n  per SNR:",
                r.indices.size(),
                r.accuracy(),
                r.backend.c_str());
    for (const auto& row : snr_rows)
        std::printf(
            " %g:%.3f", row["snr_db"].get<double>(), row["accuracy"].get<double>());
    std::printf(
        "\n  %s/eval.json, accuracy_per_snr.csv, confusion.csv, predictions.csv\n",
        out.c_str());
    std::fflush(stdout);
    if (!vm.count("no-plots")) {
        std::string cmd =
            "'" + sibling_tool("amr-plot") + "' '" + out + "/eval.json' '" + out + "'";
        if (std::system(cmd.c_str()) != 0) {
            std::cerr << "amr eval: plotting failed (" << cmd
                      << "); the JSON/CSV are complete\n";
            return 1;
        }
    }
    return 0;
}

} // namespace amr
