/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "bench_util.h"
#include "cli.h"
#include "gen_preset.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/generator.h>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace amr {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string last_line(FILE* pipe)
{
    std::string last;
    char buf[4096];
    while (fgets(buf, sizeof buf, pipe))
        last = buf;
    return last;
}

mean_sd mean_and_sd(const std::vector<double>& v)
{
    mean_sd s;
    s.n = v.size();
    if (v.empty())
        return s;
    double sum = 0;
    for (double x : v)
        sum += x;
    s.mean = sum / v.size();
    if (v.size() > 1) {
        double q = 0;
        for (double x : v)
            q += (x - s.mean) * (x - s.mean);
        s.sd = std::sqrt(q / (v.size() - 1));
    }
    return s;
}

int paired_verdict(const std::vector<double>& diffs)
{
    const mean_sd m = mean_and_sd(diffs);
    size_t ahead = 0;
    for (double x : diffs)
        ahead += x > 0;
    if (diffs.size() < 2 || (ahead != 0 && ahead != diffs.size()) ||
        !(std::fabs(m.mean) > m.sd))
        return 0;
    return ahead ? 1 : -1;
}

namespace {

gr::amrcompress::generator_config generator_for(const generated_data& g)
{
    gr::amrcompress::generator_config cfg = generator_preset(g.preset);
    std::vector<int> snrs;
    for (int snr : cfg.snrs_db)
        if (snr >= g.snr_min)
            snrs.push_back(snr);
    if (snrs.empty())
        throw gr::amrcompress::input_error("--snr-min " + fmt(g.snr_min) +
                                           " is above every SNR the generator makes");
    cfg.snrs_db = snrs;
    cfg.frames_per_cell = g.frames_per_cell;
    cfg.seed = g.seed;
    return cfg;
}

} // namespace

planned_data plan_data(const std::string& path, const generated_data& g)
{
    planned_data p;
    size_t in_range = 0;
    if (fs::exists(path)) {
        gr::amrcompress::dataset_reader ds(path);
        for (float snr : ds.snr_db())
            in_range += snr >= g.snr_min;
        p.frame_length = ds.info().frame_length;
        p.classes = ds.info().classes.size();
    } else {
        const auto cfg = generator_for(g);
        in_range = cfg.frames_per_cell * cfg.classes.size() * cfg.snrs_db.size();
        p.frame_length = cfg.frame_length;
        p.classes = cfg.classes.size();
    }
    p.train_frames = size_t(std::llround(0.8 * in_range));
    return p;
}

std::string fmt(double v)
{
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return b;
}

double concurrent_train_rate(const std::string& model,
                             int processes,
                             size_t batch_each,
                             int threads,
                             size_t frame_length,
                             size_t classes,
                             double seconds)
{
    std::vector<FILE*> pipes;
    for (int i = 0; i < processes; i++) {
        const std::string cmd =
            "'" + self_path() + "' bench train-one --model '" + model + "' --batch " +
            std::to_string(batch_each) + " --threads " + std::to_string(threads) +
            " --frame-length " + std::to_string(frame_length) + " --classes " +
            std::to_string(classes) + " --seconds " + fmt(seconds) + " 2>/dev/null";
        FILE* p = popen(cmd.c_str(), "r");
        if (!p)
            throw std::runtime_error("cannot run " + cmd);
        pipes.push_back(p);
    }
    double sum = 0;
    for (FILE* p : pipes) {
        const std::string last = last_line(p);
        const int rc = pclose(p);
        if (rc != 0 || last.empty())
            throw std::runtime_error("amr bench train-one failed for model " + model);
        sum += json::parse(last).at("samples_per_s").get<double>();
    }
    return sum;
}

bool run_complete(const std::string& dir)
{
    std::ifstream f(dir + "/metrics.json");
    if (!f)
        return false;
    try {
        json j = json::parse(f);
        return j["epochs"].size() == j["epochs_planned"].get<size_t>() &&
               fs::exists(dir + "/model.pt");
    } catch (const std::exception&) {
        return false;
    }
}

double final_accuracy(const std::string& dir)
{
    std::ifstream f(dir + "/metrics.json");
    json j = json::parse(f);
    const auto& e = j["epochs"].back()["test_acc"];
    return e.is_number() ? e.get<double>() : NAN;
}

job train_job(const std::string& tool, const train_run& run)
{
    fs::create_directories(run.dir);
    job j{ tool,
           { tool,
             "train",
             run.dataset,
             "-o",
             run.dir,
             "-m",
             run.arch,
             "-e",
             std::to_string(run.epochs),
             "--seed",
             std::to_string(run.seed),
             "-j",
             "1",
             "--eval-every",
             "0",
             "--snr-min",
             fmt(run.snr_min) },
           run.dir + "/train.log" };
    if (!run.index.empty()) {
        j.argv.push_back("--index");
        j.argv.push_back(run.index);
    }
    if (!run.dynamics)
        j.argv.push_back("--no-dynamics");
    if (fs::exists(run.dir + "/checkpoint.pt"))
        j.argv.push_back("--resume");
    return j;
}

void ensure_generated_dataset(const std::string& path,
                              const generated_data& g,
                              const std::string& who)
{
    const gr::amrcompress::generator_config cfg = generator_for(g);
    if (fs::exists(path)) {
        gr::amrcompress::dataset_reader ds(path);
        if (ds.info().classes != cfg.classes ||
            ds.info().frame_length != cfg.frame_length)
            throw gr::amrcompress::input_error(
                path,
                "holds " + std::to_string(ds.info().classes.size()) + " classes of " +
                    std::to_string(ds.info().frame_length) + "-sample frames, not the " +
                    std::to_string(cfg.classes.size()) + " classes of " +
                    std::to_string(cfg.frame_length) +
                    " samples asked for: use another output directory");
        return;
    }
    const fs::path dir = fs::path(path).parent_path();
    if (!dir.empty())
        fs::create_directories(dir);
    std::fprintf(stderr, "%s: generating %s\n", who.c_str(), path.c_str());
    progress p(who + ": generating");
    // generate_dataset writes under a temporary name and renames at the end.
    gr::amrcompress::generate_dataset(cfg, path, true, std::ref(p));
}

} // namespace amr
