/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * amr bench coreset: the FoQuS paper's protocol (Tables I, III, V) on
 * generated RML2016.10a-style data. Pre-train a selection model per
 * architecture with recorded dynamics, select with every method at every
 * rate and seed, train a fresh model on each coreset (in parallel processes),
 * and tabulate test accuracy. Every step is resumable: finished pre-trainings,
 * selections and runs in the output directory are reused.
 */
#include "bench_coreset_tables.h"
#include "bench_util.h"
#include "cli.h"
#include "job_pool.h"
#include "selection_pool.h"
#include "summary.h"
#include <gnuradio/amrcompress/coreset.h>
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/generator.h>
#include <gnuradio/amrcompress/model.h>
#include <gnuradio/amrcompress/selection.h>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace amr {

using namespace gr::amrcompress;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct settings {
    std::string profile, out, dataset;
    size_t frames_per_cell = 200;
    uint64_t gen_seed = 1;
    std::string preset; //!< generator preset (gen_preset.h)
    float snr_min = 10;
    std::vector<std::string> models, methods, tables;
    std::vector<std::pair<std::string, std::string>> cross;
    std::vector<double> rates, tier_rates;
    std::vector<std::vector<double>> tier_mixes;
    double ablation_rate = 0.01;
    int seeds = 1, seeds_other = 1, grand_models = 1;
    std::map<std::string, int> epochs, pre_epochs;
    size_t jobs = 2;
};

const std::map<std::string, std::string> method_labels = {
    { "foqus", "FoQuS" },
    { "uniform", "Uniform" },
    { "cal", "Cal" },
    { "cd", "CD" },
    { "forgetting", "Forgetting" },
    { "grand", "GraNd" },
    { "herding", "Herding" },
    { "kcenter", "k-Center Greedy" },
    { "leastconf", "Least Confidence" },
    { "entropy", "Entropy" },
    { "margin", "Margin" },
};

std::string label_of(const std::string& method)
{
    auto it = method_labels.find(method);
    return it == method_labels.end() ? method : it->second;
}

// Everything a selection variant changes, with a file-name-safe key.
variant plain(const std::string& method)
{
    variant v;
    v.key = v.method = method;
    v.label = label_of(method);
    return v;
}

std::vector<variant> ablation_variants()
{
    std::vector<variant> out;
    const char* names[3] = { "forget", "persist", "quality" };
    for (int mask = 1; mask < 8; mask++) {
        variant v = plain("foqus");
        v.metrics = { bool(mask & 1), bool(mask & 2), bool(mask & 4) };
        v.label.clear();
        for (int b = 0; b < 3; b++)
            if (mask & (1 << b))
                v.label += (v.label.empty() ? "" : " + ") + std::string(names[b]);
        if (mask != 7) {
            v.key = "foqus-m";
            for (int b = 0; b < 3; b++)
                if (mask & (1 << b))
                    v.key += names[b][0];
        }
        out.push_back(v);
    }
    return out;
}

coreset_options options_for(const variant& v, double rate, uint64_t seed)
{
    coreset_options o;
    o.method = v.method;
    o.rate = rate;
    o.seed = seed;
    o.stratify_snr = v.stratify;
    if (!v.metrics.empty()) {
        o.foqus.use_forget = v.metrics[0];
        o.foqus.use_persist = v.metrics[1];
        o.foqus.use_quality = v.metrics[2];
    }
    if (!v.mix.empty())
        o.foqus.tier_mix = v.mix;
    if (!v.normalise.empty())
        o.foqus.normalise = v.normalise;
    if (!v.sampling.empty())
        o.foqus.sampling = v.sampling;
    return o;
}

generated_data generated(const settings& s)
{
    return { s.preset, s.frames_per_cell, s.snr_min, s.gen_seed };
}

void apply_profile(settings& s, const po::variables_map& vm)
{
    // quick: a half-hour look. full: every table at 1,000 frames per cell.
    // paper: the authors' radio128 protocol for the FoQuS paper's tables
    // (CNN1D and CNN2D, Table I; CNN1D -> CNN2D and -> ResNet56, Table III;
    // the Table V ablation), 3 seeds, 50 epochs everywhere.
    const bool paper = s.profile == "paper";
    const bool full = s.profile == "full" || paper;
    if (s.profile != "quick" && !full)
        throw input_error("--profile must be quick, full or paper");
    auto unset = [&](const char* o) { return !vm.count(o) || vm[o].defaulted(); };
    // radio1024 (--preset rml2018): the authors' 3,200 + 800 frames per cell.
    if (unset("frames-per-cell"))
        s.frames_per_cell = paper && s.preset == "rml2018" ? 4000 : full ? 1000 : 200;
    if (unset("seeds"))
        s.seeds = full ? 3 : 2;
    if (unset("seeds-other"))
        s.seeds_other = full ? 3 : 1;
    if (unset("grand-models"))
        s.grand_models = full ? 3 : 1;
    if (paper && unset("tables"))
        s.tables = { "same", "cross", "ablation" };
    if (s.models.empty())
        s.models = paper  ? std::vector<std::string>{ "cnn1d", "cnn2d" }
                   : full ? std::vector<std::string>{ "cnn1d", "cnn2d", "resnet56" }
                          : std::vector<std::string>{ "cnn1d", "resnet56" };
    if (s.cross.empty() && unset("cross")) {
        if (paper)
            s.cross = { { "cnn1d", "cnn2d" }, { "cnn1d", "resnet56" } };
        else if (full)
            s.cross = { { "cnn1d", "cnn2d" },
                        { "cnn1d", "lstm" },
                        { "cnn2d", "cnn1d" },
                        { "cnn1d", "resnet56" } };
        else
            s.cross = { { "cnn1d", "resnet56" } };
    }
    // Epochs: the paper's 50 in the full profile; the quick one keeps the
    // slow models short (training samples/s here, docs/benchmarks.md:
    // CNN1D ~1200, IQFormer 87, SigNet50 13) so a run fits in about 30
    // minutes. Presets not listed train as ResNet56 does.
    const std::map<std::string, std::pair<int, int>> quick = {
        { "cnn1d", { 20, 20 } },  { "cnn1d-lite", { 20, 20 } },
        { "lstm", { 20, 20 } },   { "resnet56", { 8, 10 } },
        { "cnn2d", { 8, 10 } },   { "iqformer", { 8, 10 } },
        { "signet50", { 2, 2 } },
    };
    for (const auto& m : gr::amrcompress::model_architectures()) {
        const auto q = quick.count(m) ? quick.at(m) : std::pair<int, int>{ 8, 10 };
        s.epochs.emplace(m, full ? 50 : q.first);
        s.pre_epochs.emplace(m, full ? 50 : q.second);
    }
    auto check = [&](const std::string& m) {
        if (!s.epochs.count(m))
            throw input_error("bench coreset: unknown model '" + m + "' (" +
                              model_names() + ")");
    };
    for (const auto& m : s.models)
        check(m);
    for (const auto& [a, b] : s.cross) {
        check(a);
        check(b);
    }
}

std::string rate_key(double r)
{
    char b[32];
    std::snprintf(b, sizeof b, "%g", r * 100);
    return b;
}

/*
 * The work a table set needs, in training samples (frames x epochs), and
 * its time at the training speed measured here: `jobs` concurrent
 * trainings of each architecture for a few seconds (amr bench train-one,
 * one thread each, batch 128, the dataset's frame shape).
 */
void print_plan(const settings& s, const std::vector<run_spec>& specs)
{
    const planned_data data = plan_data(s.dataset, generated(s));
    const size_t train_frames = data.train_frames;
    std::map<std::string, double> samples; // per training architecture
    std::set<std::string> selectors, seen;
    for (const auto& r : specs) {
        selectors.insert(r.selector);
        const std::string key =
            r.trainer + r.selector + r.v.key + fmt(r.rate) + std::to_string(r.seed);
        if (seen.insert(key).second)
            samples[r.trainer] +=
                std::llround(r.rate * train_frames) * double(s.epochs.at(r.trainer));
    }
    std::map<std::string, double> pre;
    for (const auto& a : selectors)
        pre[a] = double(train_frames) * s.pre_epochs.at(a) * s.grand_models;
    std::printf("amr bench coreset --plan: profile %s, %zu training frames, %zu runs "
                "(%zu distinct), %zu concurrent jobs\n\n",
                s.profile.c_str(),
                train_frames,
                specs.size(),
                seen.size(),
                s.jobs);
    std::printf("| architecture | samples/s per job (measured, %zu at once) | "
                "pre-training samples | coreset samples | hours |\n|---|---:|---:|---:|"
                "---:|\n",
                s.jobs);
    double total_h = 0;
    std::set<std::string> archs = selectors;
    for (const auto& [a, n] : samples)
        archs.insert(a);
    for (const auto& a : archs) {
        const double rate =
            concurrent_train_rate(
                a, int(s.jobs), 128, 1, data.frame_length, data.classes, 6) /
            double(s.jobs);
        // The pre-trainings run before everything else, as many at once as
        // there are (selectors x GraNd models, at most --jobs).
        const double pre_jobs = double(
            std::min(s.jobs, std::max<size_t>(1, selectors.size() * s.grand_models)));
        const double pre_n = pre.count(a) ? pre[a] : 0;
        const double h =
            (pre_n / (rate * pre_jobs) + samples[a] / (rate * s.jobs)) / 3600;
        total_h += h;
        std::printf("| %s | %.0f | %.3g | %.3g | %.1f |\n",
                    a.c_str(),
                    rate,
                    pre.count(a) ? pre[a] : 0.0,
                    samples[a],
                    h);
    }
    std::printf("\nTotal: about %.1f h of training (evaluation, selection and start-up "
                "not included: a few %% more).\n",
                total_h);
}

} // namespace

int bench_coreset(const std::vector<std::string>& args)
{
    settings s;
    std::string models, methods, cross, rates, tables, tier_rates, tier_mixes, epochs;
    bool plan_only = false;
    po::options_description o(
        "The FoQuS paper's protocol on generated RML2016.10a-style data: for each "
        "architecture, method, rate and seed, select a class-balanced coreset with a "
        "model "
        "pre-trained on the full training set (dynamics recorded), train a fresh model "
        "on "
        "the coreset for a fixed number of epochs and report test accuracy. Tables as "
        "Markdown (OUT/tables.md) and CSV/JSON; rerunning reuses finished work in OUT");
    o.add_options()(
        "out,o", po::value(&s.out)->required(), "output directory (resumable)")(
        "profile",
        po::value(&s.profile)->default_value("quick"),
        "quick (~30 min here: 200 frames/cell, CNN1D 20 epochs x 2 seeds, ResNet56 8 "
        "epochs x "
        "1 seed, cross CNN1D->ResNet56), "
        "full (1000 frames/cell, 3 seeds, 50 epochs, CNN1D/CNN2D/ResNet56, 4 cross "
        "pairs) or paper (the authors' radio128 protocol: 1000 frames/cell, 3 seeds, "
        "50 epochs, Tables I, III and V; see --plan for its time)")(
        "dataset", po::value(&s.dataset), "use this dataset instead of generating one")(
        "frames-per-cell",
        po::value(&s.frames_per_cell)->default_value(200),
        "generated frames per (class, SNR)")(
        "gen-seed",
        po::value(&s.gen_seed)->default_value(1),
        "generator seed (use another one for tuning, e.g. the tier ablation)")(
        "preset",
        po::value(&s.preset),
        "generate with this preset: rml2018 = RML2018.01a's 24 classes and 1,024-sample "
        "frames, SNR up to 30 dB (with --profile paper: the authors' radio1024 "
        "protocol, 4,000 frames per cell split 8:2)")(
        "snr-min",
        po::value(&s.snr_min)->default_value(10),
        "lowest SNR (dB); the paper's high-SNR setting is 10")(
        "models", po::value(&models), "architectures for the same-architecture table")(
        "cross",
        po::value(&cross),
        "selector:trainer pairs for the cross-architecture table, e.g. cnn1d:resnet56 "
        "('none' for none)")("methods", po::value(&methods), "methods (default all)")(
        "rates", po::value(&rates)->default_value("0.01,0.05,0.1,0.2,0.3"), "rates")(
        "seeds",
        po::value(&s.seeds)->default_value(2),
        "repetitions (seeds 1..N) of the first model's tables (same, ablation, stratify, "
        "tiers)")("seeds-other",
                  po::value(&s.seeds_other)->default_value(1),
                  "repetitions of the other models' same-architecture and "
                  "cross-architecture tables")(
        "epochs", po::value(&epochs), "training epochs on each coreset, for every model")(
        "grand-models",
        po::value(&s.grand_models)->default_value(1),
        "independently trained models GraNd averages over")(
        "tables",
        po::value(&tables)->default_value("same,cross,ablation,stratify"),
        "tables: same, cross, ablation (Table V), stratify (class vs class x SNR), tiers "
        "(FoQuS tier mixes), norm (FoQuS's metric normalisations), sampling (tiers vs "
        "CCS)")("ablation-rate",
                po::value(&s.ablation_rate)->default_value(0.01, "0.01"),
                "rate of the metric ablation (paper: 1 %)")(
        "tier-rates",
        po::value(&tier_rates)->default_value("0.01,0.05,0.2"),
        "rates of the tier-mix table")(
        "tier-mixes",
        po::value(&tier_mixes)
            ->default_value(
                "0.34/0.33/0.33,1/0/0,0.6/0.3/0.1,0.2/0.6/0.2,0.1/0.3/0.6,0/0/1"),
        "tier mixes compared by the tiers table")(
        "jobs",
        po::value(&s.jobs)->default_value(2),
        "trainings run at once (one LibTorch thread each)")(
        "plan",
        po::bool_switch(&plan_only),
        "print the runs and an estimate of their time (training speed measured here "
        "for a few seconds per architecture), then stop");
    po::variables_map vm;
    if (!parse("bench coreset", "-o OUT [options]", args, o, {}, vm))
        return 0;
    s.models = split_list(models);
    s.methods = split_list(methods);
    if (s.methods.empty())
        for (const auto& m : coreset_methods())
            s.methods.push_back(m.name);
    for (const auto& m : s.methods)
        make_coreset_method(m, coreset_options()); // refuses unknown names now
    if (cross != "none")
        for (const auto& p : split_list(cross)) {
            auto c = p.find(':');
            if (c == std::string::npos)
                throw input_error("--cross takes selector:trainer pairs, got '" + p +
                                  "'");
            s.cross.push_back({ p.substr(0, c), p.substr(c + 1) });
        }
    s.rates = parse_numbers(rates, "--rates");
    s.tier_rates = parse_numbers(tier_rates, "--tier-rates");
    for (const auto& m : split_list(tier_mixes))
        s.tier_mixes.push_back(parse_numbers(m, "--tier-mixes", 3, '/'));
    s.tables = split_list(tables);
    if (!epochs.empty())
        for (const auto& m : gr::amrcompress::model_architectures())
            s.epochs[m] = int(parse_numbers(epochs, "--epochs", 1)[0]);
    apply_profile(s, vm);
    for (double r : s.rates)
        if (!(r > 0 && r <= 1))
            throw input_error("rates must be in (0, 1]");
    auto has_table = [&](const char* t) {
        return std::find(s.tables.begin(), s.tables.end(), t) != s.tables.end();
    };
    const std::string first = s.models.at(0);
    if (!plan_only)
        fs::create_directories(s.out);
    const auto t_start = std::chrono::steady_clock::now();
    auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start)
            .count();
    };

    // 1. Data (generated after the plan, which needs none).
    const bool generate = s.dataset.empty();
    if (generate)
        s.dataset = s.out + "/data.h5";

    // 2. The runs the tables need.
    std::vector<run_spec> specs;
    auto add = [&](const std::string& table,
                   const std::string& sel,
                   const std::string& trn,
                   const variant& v,
                   double rate) {
        const bool first_only = sel == s.models.at(0) && trn == sel;
        for (int seed = 1; seed <= (first_only ? s.seeds : s.seeds_other); seed++)
            specs.push_back({ table, sel, trn, v, rate, uint64_t(seed) });
    };
    if (has_table("same"))
        for (const auto& m : s.models)
            for (const auto& meth : s.methods)
                for (double r : s.rates)
                    add("same", m, m, plain(meth), r);
    if (has_table("cross"))
        for (const auto& [a, b] : s.cross)
            for (const auto& meth : s.methods)
                for (double r : s.rates)
                    add("cross", a, b, plain(meth), r);
    if (has_table("ablation"))
        for (const auto& v : ablation_variants())
            add("ablation", first, first, v, s.ablation_rate);
    if (has_table("stratify"))
        for (const char* meth : { "uniform", "foqus" })
            for (bool st : { false, true }) {
                variant v = plain(meth);
                if (st) {
                    v.stratify = true;
                    v.key += "-snr";
                    v.label += " (class x SNR)";
                } else {
                    v.label += " (class)";
                }
                for (double r : s.rates)
                    add("stratify", first, first, v, r);
            }
    if (has_table("tiers"))
        for (const auto& mix : s.tier_mixes) {
            variant v = plain("foqus");
            v.mix = mix;
            v.key = "foqus-mix-" + fmt(mix[0]) + "-" + fmt(mix[1]) + "-" + fmt(mix[2]);
            v.label = "FoQuS mix " + fmt(mix[0]) + "/" + fmt(mix[1]) + "/" + fmt(mix[2]);
            for (double r : s.tier_rates)
                add("tiers", first, first, v, r);
        }
    auto foqus_variant = [&](const std::string& suffix, const std::string& label) {
        variant v = plain("foqus");
        v.key += "-" + suffix;
        v.label = label;
        return v;
    };
    if (has_table("norm")) {
        variant mm = foqus_variant("minmax", "FoQuS, min-max per metric");
        mm.normalise = "minmax";
        variant z = foqus_variant("zscore", "FoQuS, z-score per metric");
        z.normalise = "zscore";
        variant sum = plain("foqus");
        sum.label = "FoQuS, Eq. 8 as printed";
        for (const auto& v : { sum, mm, z, plain("uniform") })
            for (double r : s.rates)
                add("norm", first, first, v, r);
    }
    if (has_table("sampling")) {
        variant tiers = plain("foqus");
        tiers.label = "FoQuS, tiers 0.6/0.3/0.1";
        variant ccs = foqus_variant("ccs", "FoQuS, CCS (drop 10 %, 50 strata)");
        ccs.sampling = "ccs";
        for (const auto& v : { tiers, ccs, plain("uniform") })
            for (double r : s.rates)
                add("sampling", first, first, v, r);
    }
    if (specs.empty())
        throw input_error("nothing to run: check --tables and --models");
    // GraNd's independently seeded extra models serve GraNd alone: a run
    // without it (e.g. --methods foqus,uniform) does not train them.
    if (std::none_of(specs.begin(), specs.end(), [](const run_spec& r) {
            return r.v.method == "grand";
        }))
        s.grand_models = 1;
    if (plan_only) {
        print_plan(s, specs);
        return 0;
    }
    if (generate)
        ensure_generated_dataset(s.dataset, generated(s), "amr bench coreset");

    // 3. Pre-train one selection model per selecting architecture (with the
    //    dynamics record), plus GraNd's extra independently seeded models.
    std::set<std::string> selectors;
    for (const auto& r : specs)
        selectors.insert(r.selector);
    const std::string tool = self_path();
    auto train_job = [&](const std::string& arch,
                         const std::string& dir,
                         int epochs_n,
                         uint64_t seed,
                         const std::string& index,
                         bool dynamics) {
        return amr::train_job(
            tool, { s.dataset, dir, arch, index, epochs_n, seed, s.snr_min, dynamics });
    };
    auto pre_dir = [&](const std::string& arch, int k) {
        return s.out + "/pre/" + arch + (k > 1 ? "-seed" + std::to_string(k) : "");
    };
    {
        std::vector<job> jobs;
        for (const auto& a : selectors)
            for (int k = 1; k <= s.grand_models; k++)
                if (!run_complete(pre_dir(a, k)))
                    jobs.push_back(
                        train_job(a, pre_dir(a, k), s.pre_epochs.at(a), k, "", k == 1));
        std::fprintf(stderr, "amr bench coreset: %zu pre-training run(s)\n", jobs.size());
        size_t done = 0;
        if (run_jobs(
                jobs,
                s.jobs,
                [&](size_t i, int code) {
                    std::fprintf(stderr,
                                 "  [%zu/%zu] pre-train %s: %s (%.0f s)\n",
                                 ++done,
                                 jobs.size(),
                                 jobs[i].log.c_str(),
                                 code ? "FAILED" : "ok",
                                 elapsed());
                },
                [&](size_t i) {
                    std::fprintf(stderr, "  started pre-train %s\n", jobs[i].log.c_str());
                }))
            throw std::runtime_error(
                "pre-training failed; see the train.log files above");
    }

    // 4. Selections (in this process: the inputs are loaded once per selector).
    json select_times = json::object();
    for (const auto& a : selectors) {
        pool_source src;
        src.dataset = s.dataset;
        src.dynamics = pre_dir(a, 1) + "/dynamics.h5";
        for (int k = 1; k <= s.grand_models; k++)
            src.models.push_back(pre_dir(a, k) + "/model.pt");
        src.threads = 1;
        auto pool = load_pool(src, { true, true, true });
        const std::string dir = s.out + "/select/" + a;
        fs::create_directories(dir);
        size_t made = 0;
        for (auto& r : specs) {
            if (r.selector != a)
                continue;
            r.index = dir + "/" + r.v.key + "_r" + rate_key(r.rate) + "_s" +
                      std::to_string(r.seed) + ".idx";
            if (fs::exists(r.index))
                continue;
            auto res = select_coreset(pool.inputs, options_for(r.v, r.rate, r.seed));
            write_index_file(r.index, // atomically: a killed run leaves no partial index
                             selected_frames(pool, res),
                             "amr bench coreset: " + r.v.label + " rate " + fmt(r.rate) +
                                 " seed " + std::to_string(r.seed));
            select_times[a][r.v.key][rate_key(r.rate)].push_back(res.seconds);
            made++;
        }
        std::fprintf(
            stderr,
            "amr bench coreset: %zu selection(s) with %s (model outputs %.1f s)\n",
            made,
            a.c_str(),
            pool.model_seconds);
    }

    // 5. Train on every coreset (runs shared between tables are trained once).
    //    Seed by seed, so that a run stopped part-way (a session that ends)
    //    leaves complete seeds, every method and rate of a seed side by side.
    std::map<std::string, std::string> run_dir; // run key -> directory
    std::vector<std::pair<uint64_t, job>> by_seed;
    for (auto& r : specs) {
        const std::string key = r.trainer + "__" + r.selector + "__" + r.v.key + "__r" +
                                rate_key(r.rate) + "__s" + std::to_string(r.seed);
        r.dir = s.out + "/runs/" + key;
        if (run_dir.count(key))
            continue;
        run_dir[key] = r.dir;
        if (!run_complete(r.dir))
            by_seed.push_back({ r.seed,
                                train_job(r.trainer,
                                          r.dir,
                                          s.epochs.at(r.trainer),
                                          r.seed,
                                          r.index,
                                          false) });
    }
    std::stable_sort(by_seed.begin(), by_seed.end(), [](const auto& a, const auto& b) {
        return a.first < b.first;
    });
    std::vector<job> jobs;
    for (auto& [seed, j] : by_seed)
        jobs.push_back(std::move(j));
    std::fprintf(stderr,
                 "amr bench coreset: %zu training run(s) to do, %zu reused\n",
                 jobs.size(),
                 run_dir.size() - jobs.size());
    size_t done = 0;
    const size_t failed = run_jobs(
        jobs,
        s.jobs,
        [&](size_t i, int code) {
            const std::string dir = fs::path(jobs[i].log).parent_path().string();
            std::fprintf(stderr,
                         "  [%zu/%zu] %s: %s (%.0f s elapsed)\n",
                         ++done,
                         jobs.size(),
                         fs::path(dir).filename().c_str(),
                         code ? "FAILED (see train.log)"
                              : ("acc " + fmt(final_accuracy(dir))).c_str(),
                         elapsed());
        },
        [&](size_t i) { std::fprintf(stderr, "  started %s\n", jobs[i].log.c_str()); });
    for (auto& r : specs)
        r.accuracy = run_complete(r.dir) ? final_accuracy(r.dir) : NAN;

    // 6. Tables.
    table_context ctx;
    ctx.rates = s.rates;
    ctx.tier_rates = s.tier_rates;
    ctx.ablation_rate = s.ablation_rate;
    ctx.seeds = s.seeds;
    ctx.seeds_other = s.seeds_other;
    ctx.epochs = s.epochs;
    ctx.pre_epochs = s.pre_epochs;
    for (const auto& a : selectors)
        ctx.full_accuracy[a] = final_accuracy(pre_dir(a, 1));
    ctx.description = "profile " + s.profile + ", dataset " + s.dataset +
                      ", SNR >= " + fmt(s.snr_min) + " dB, " + std::to_string(s.seeds) +
                      " seed(s) for " + first + " (" + std::to_string(s.seeds_other) +
                      " for the other tables), " + std::to_string(s.grand_models) +
                      " GraNd model(s)";
    ctx.seconds = elapsed();
    write_tables(specs, ctx, s.out);
    json meta = { { "profile", s.profile },
                  { "dataset", s.dataset },
                  { "seeds", s.seeds },
                  { "seeds_other", s.seeds_other },
                  { "epochs", s.epochs },
                  { "pre_epochs", s.pre_epochs },
                  { "grand_models", s.grand_models },
                  { "selection_seconds", select_times },
                  { "failed_runs", failed },
                  { "seconds", elapsed() } };
    write_json(meta, s.out + "/bench.json");
    std::printf(
        "amr bench coreset: %zu run(s), %zu failed, %.0f s; tables in %s/tables.md, "
        "rows in %s/results.csv\n",
        run_dir.size(),
        failed,
        elapsed(),
        s.out.c_str(),
        s.out.c_str());
    return failed ? 1 : 0;
}

} // namespace amr
