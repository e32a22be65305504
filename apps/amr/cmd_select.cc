/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * amr select: a class-balanced coreset by FoQuS or one of the ten baselines,
 * as an index file that `amr train --index` accepts.
 */
#include "cli.h"
#include "selection_pool.h"
#include "summary.h"
#include <gnuradio/amrcompress/coreset.h>
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/selection.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

namespace amr {

using namespace gr::amrcompress;

namespace {

void write_scores(const std::string& path,
                  const selection_pool& pool,
                  const foqus_options& o)
{
    auto s = compute_foqus_scores(*pool.dynamics, o);
    std::ofstream f(path);
    f << "index,label,snr_db,forget,persist,quality,foqus\n";
    char line[256];
    for (size_t r = 0; r < pool.frames.size(); r++) {
        std::snprintf(line,
                      sizeof line,
                      "%zu,%d,%g,%.9g,%.9g,%.9g,%.9g\n",
                      pool.frames[r],
                      pool.inputs.labels[r],
                      pool.inputs.snr_db[r],
                      s.forget[r],
                      s.persist[r],
                      s.quality[r],
                      s.total[r]);
        f << line;
    }
    if (!f)
        throw input_error(path, "cannot write the scores");
}

void parse_foqus_options(const po::variables_map& vm, foqus_options& f)
{
    if (vm.count("tiers"))
        f.tier_bounds = parse_numbers(vm["tiers"].as<std::string>(), "--tiers", 2);
    if (vm.count("tier-mix"))
        f.tier_mix = parse_numbers(vm["tier-mix"].as<std::string>(), "--tier-mix", 3);
    if (vm.count("foqus-metrics")) {
        f.use_forget = f.use_persist = f.use_quality = false;
        for (const auto& m : split_list(vm["foqus-metrics"].as<std::string>())) {
            if (m == "forget")
                f.use_forget = true;
            else if (m == "persist")
                f.use_persist = true;
            else if (m == "quality")
                f.use_quality = true;
            else
                throw input_error("--foqus-metrics: unknown metric '" + m +
                                  "' (forget, persist, quality)");
        }
    }
}

po::options_description foqus_option_descriptions(foqus_options& f)
{
    po::options_description o("FoQuS");
    o.add_options()("beta",
                    po::value(&f.beta)->default_value(0.1, "0.1"),
                    "loss weight in the quality score (Eq. 7)")(
        "foqus-norm",
        po::value(&f.normalise)->default_value(f.normalise),
        "sum (Eq. 8 as printed), minmax or zscore: each metric scaled over the "
        "candidates before the sum (docs/coreset.md)")(
        "foqus-sampling",
        po::value(&f.sampling)->default_value(f.sampling),
        "tiers (the paper's tiered sampling) or ccs (coverage-centric: drop the "
        "hardest share, then spread the budget over score strata)")(
        "ccs-drop",
        po::value(&f.ccs_drop)->default_value(f.ccs_drop, "0.1"),
        "CCS: share of each class with the lowest scores dropped first")(
        "ccs-strata",
        po::value(&f.ccs_strata)->default_value(f.ccs_strata),
        "CCS: strata of equal score width")(
        "tiers",
        po::value<std::string>(),
        "b1,b2: tier 1 = the top b1 of each class by score, tier 2 up to b2, tier 3 the "
        "rest (default 0.3333,0.6667)")(
        "tier-mix",
        po::value<std::string>(),
        "m1,m2,m3: share of each class budget drawn from each tier (default in "
        "docs/coreset.md)")(
        "foqus-metrics",
        po::value<std::string>(),
        "subset of forget,persist,quality to add up (Table V ablation; default all)");
    return o;
}

} // namespace

int cmd_select(const std::vector<std::string>& args)
{
    coreset_options opt;
    pool_source src;
    std::string out, run, subset, json_out, scores;
    std::vector<std::string> models;
    po::options_description o(
        "Select a class-balanced coreset from the training part of a dataset: each class "
        "gets round(rate * n_class) frames (halves up). Writes an index file for "
        "`amr train --index` and optionally the subset as a dataset");
    std::string methods_help = "method:";
    for (const auto& m : coreset_methods())
        methods_help += "\n  " + m.name + ": " + m.summary;
    o.add_options()("dataset", po::value(&src.dataset)->required(), "dataset (HDF5)")(
        "out,o", po::value(&out)->required(), "index file to write")(
        "method", po::value(&opt.method)->default_value("foqus"), methods_help.c_str())(
        "rate,r",
        po::value(&opt.rate)->required(),
        "fraction of each class to keep, in (0, 1]")(
        "seed",
        po::value(&opt.seed)->default_value(1),
        "seed (same seed, same selection)")(
        "run",
        po::value(&run),
        "an `amr train` output directory: its dynamics.h5 and model.pt")(
        "dynamics",
        po::value(&src.dynamics),
        "training-dynamics record; its rows are the candidates")(
        "model",
        po::value(&models)->composing(),
        "trained model.pt for probabilities/embeddings (repeat: GraNd averages them)")(
        "snr-min",
        po::value(&src.snr_min),
        "without a record: lowest SNR of the candidates")(
        "snr-max", po::value(&src.snr_max), "without a record: highest SNR")(
        "train-fraction",
        po::value(&src.train_fraction)->default_value(0.8, "0.8"),
        "without a record: the split whose train part holds the candidates")(
        "stratify-snr",
        "balance SNR too: each class budget shared among its SNR bins by "
        "their sizes, the method run within each bin")(
        "snr-bin",
        po::value(&opt.snr_bin_db)->default_value(0),
        "SNR bin width in dB for --stratify-snr (0: each SNR value)")(
        "knn", po::value(&opt.knn)->default_value(10), "Cal's neighbours")(
        "subset", po::value(&subset), "also write the selected frames as a dataset")(
        "overwrite", "replace an existing --subset file")(
        "json", po::value(&json_out), "write the summary as JSON ('-' for stdout)")(
        "scores", po::value(&scores), "write every candidate's FoQuS scores as CSV")(
        "threads,j",
        po::value(&src.threads)->default_value(1),
        "intra-op threads for the model outputs");
    o.add(foqus_option_descriptions(opt.foqus));
    po::positional_options_description pos;
    pos.add("dataset", 1);
    po::variables_map vm;
    if (!parse("select",
               "DATASET -o OUT.idx --method M --rate R [options]",
               args,
               o,
               pos,
               vm))
        return 0;
    parse_foqus_options(vm, opt.foqus);
    opt.stratify_snr = vm.count("stratify-snr") > 0;
    if (!(opt.rate > 0 && opt.rate <= 1))
        throw input_error("--rate must be in (0, 1], got " + std::to_string(opt.rate));
    if (!run.empty()) {
        namespace fs = std::filesystem;
        if (src.dynamics.empty() && fs::exists(run + "/dynamics.h5"))
            src.dynamics = run + "/dynamics.h5";
        if (models.empty() && fs::exists(run + "/model.pt"))
            models.push_back(run + "/model.pt");
        if (src.dynamics.empty() && models.empty())
            throw input_error(run, "no dynamics.h5 or model.pt in this directory");
    }
    src.models = models;

    const auto method = make_coreset_method(opt.method, opt);
    auto need = method->needs();
    if (!scores.empty())
        need.dynamics = true;
    auto pool = load_pool(src, need);
    auto r = select_coreset(pool.inputs, opt);
    auto frames = selected_frames(pool, r);

    const dataset_reader& ds = *pool.dataset;
    char comment[512];
    std::snprintf(comment,
                  sizeof comment,
                  "amr select: method %s, rate %g, seed %llu%s; %zu of %zu candidates "
                  "from %s",
                  opt.method.c_str(),
                  opt.rate,
                  (unsigned long long)opt.seed,
                  opt.stratify_snr ? ", class x SNR balanced" : "",
                  frames.size(),
                  pool.frames.size(),
                  src.dataset.c_str());
    write_index_file(out, frames, comment);
    if (!subset.empty())
        write_subset(ds, frames, subset, vm.count("overwrite") > 0);
    if (!scores.empty())
        write_scores(scores, pool, opt.foqus);

    std::map<float, size_t> per_snr;
    for (size_t row : r.rows)
        per_snr[pool.inputs.snr_db[row]]++;
    nlohmann::json per_class = nlohmann::json::object(), snr = nlohmann::json::array();
    for (size_t c = 0; c < r.per_class.size(); c++)
        per_class[ds.info().classes[c]] = r.per_class[c];
    for (auto& [s, n] : per_snr)
        snr.push_back({ { "snr_db", s }, { "frames", n } });
    nlohmann::json j = {
        { "method", opt.method },
        { "rate", opt.rate },
        { "seed", opt.seed },
        { "stratify_snr", opt.stratify_snr },
        { "dataset", src.dataset },
        { "dynamics", src.dynamics },
        { "models", src.models },
        { "candidates", pool.frames.size() },
        { "selected", frames.size() },
        { "per_class", per_class },
        { "per_snr", snr },
        { "selection_seconds", r.seconds },
        { "model_seconds", pool.model_seconds },
        { "index_file", out },
    };
    if (opt.method == "foqus")
        j["foqus"] = { { "beta", opt.foqus.beta },
                       { "tier_bounds", opt.foqus.tier_bounds },
                       { "tier_mix", opt.foqus.tier_mix },
                       { "normalise", opt.foqus.normalise },
                       { "sampling", opt.foqus.sampling },
                       { "ccs_drop", opt.foqus.ccs_drop },
                       { "ccs_strata", opt.foqus.ccs_strata },
                       { "metrics",
                         { { "forget", opt.foqus.use_forget },
                           { "persist", opt.foqus.use_persist },
                           { "quality", opt.foqus.use_quality } } } };
    if (!json_out.empty())
        write_json(j, json_out);
    if (json_out != "-") {
        std::printf("amr select: %s at rate %g: %zu of %zu frames (%.3f s selection, "
                    "%.2f s model outputs)\n  per class:",
                    opt.method.c_str(),
                    opt.rate,
                    frames.size(),
                    pool.frames.size(),
                    r.seconds,
                    pool.model_seconds);
        for (size_t c = 0; c < r.per_class.size(); c++)
            std::printf(" %s:%zu", ds.info().classes[c].c_str(), r.per_class[c]);
        std::printf("\n  per SNR:");
        for (auto& [s, n] : per_snr)
            std::printf(" %g:%zu", s, n);
        std::printf("\n  index file %s\n", out.c_str());
    }
    return 0;
}

} // namespace amr
