/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * amr bench train: the C++ trainer against eager Python PyTorch, side by
 * side in one run. Each measurement runs in its own process (amr bench
 * train-one / the Python script), so thread pools of one cannot slow another.
 */
#include "bench_util.h"
#include "cli.h"
#include "summary.h"
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/train.h>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#ifndef AMR_BENCHMARK_DIR
#define AMR_BENCHMARK_DIR ""
#endif

namespace amr {

namespace {

// Runs a command and returns the last line of its standard output.
std::string run(const std::string& cmd)
{
    std::unique_ptr<FILE, decltype(&pclose)> p(popen(cmd.c_str(), "r"), pclose);
    if (!p)
        throw std::runtime_error("cannot run " + cmd);
    return last_line(p.get());
}

std::string find_reference(const std::string& given)
{
    for (const std::string& c :
         { given,
           std::string(AMR_BENCHMARK_DIR) + "/train_reference.py",
           (std::filesystem::path(self_path()).parent_path() /
            "../share/gr-amrcompress/benchmarks/train_reference.py")
               .string() })
        if (!c.empty() && std::filesystem::exists(c))
            return c;
    throw gr::amrcompress::input_error(
        "cannot find benchmarks/train_reference.py; pass --python-ref");
}

int bench_train_one(const std::vector<std::string>& args)
{
    std::string model;
    size_t batch, C, L;
    int steps, warmup, threads;
    double seconds;
    po::options_description o("One C++ training-throughput measurement (JSON line)");
    o.add_options()("model", po::value(&model)->default_value("cnn1d"), "model")(
        "threads", po::value(&threads)->default_value(1), "threads")(
        "batch", po::value(&batch)->default_value(128), "batch size")(
        "steps", po::value(&steps)->default_value(3), "at least this many timed steps")(
        "seconds", po::value(&seconds)->default_value(4.0), "and at least this long")(
        "warmup", po::value(&warmup)->default_value(3), "untimed steps")(
        "classes", po::value(&C)->default_value(11), "classes")(
        "frame-length", po::value(&L)->default_value(128), "frame length");
    po::variables_map vm;
    if (!parse("bench train-one", "[options]", args, o, {}, vm))
        return 0;
    double sps = gr::amrcompress::measure_train_throughput(
        model, C, L, batch, steps, seconds, warmup, threads);
    std::printf(
        "{\"model\": \"%s\", \"threads\": %d, \"batch\": %zu, \"samples_per_s\": %.3f}\n",
        model.c_str(),
        threads,
        batch,
        sps);
    return 0;
}

int bench_train(const std::vector<std::string>& args)
{
    std::string models, threads, ref, json_out;
    size_t batch;
    int steps, warmup, rounds;
    double seconds;
    po::options_description o(
        "Training throughput of the C++ trainer and of the same models in eager Python "
        "PyTorch (benchmarks/train_reference.py), same batch size and thread count. "
        "C++ and Python alternate, each measurement in a fresh process, for several "
        "rounds; "
        "the best of the rounds is reported (this machine's neighbours add up to 3x "
        "noise)");
    o.add_options()("models",
                    po::value(&models)->default_value("cnn1d,resnet56,cnn2d,lstm"),
                    "models")(
        "threads", po::value(&threads)->default_value("1,2"), "thread counts")(
        "batch", po::value(&batch)->default_value(128), "batch size")(
        "steps", po::value(&steps)->default_value(3), "at least this many timed steps")(
        "seconds",
        po::value(&seconds)->default_value(4.0),
        "and at least this long, per measurement")(
        "warmup", po::value(&warmup)->default_value(3), "untimed steps first")(
        "rounds",
        po::value(&rounds)->default_value(3),
        "alternating rounds (best is kept)")(
        "python-ref", po::value(&ref), "path of train_reference.py")(
        "json", po::value(&json_out), "write the results as JSON ('-' = stdout)");
    po::variables_map vm;
    if (!parse("bench train", "[options]", args, o, {}, vm))
        return 0;
    ref = find_reference(ref);
    nlohmann::json rows = nlohmann::json::array();
    std::printf("| model | threads | C++ samples/s | Python samples/s | Python + malloc "
                "setting | "
                "C++ / Python | C++ / Python+malloc |\n");
    std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
    std::fflush(stdout);
    for (const auto& m : split_list(models)) {
        for (const auto& t : split_list(threads)) {
            std::string common = " --model " + m + " --threads " + t + " --batch " +
                                 std::to_string(batch) + " --steps " +
                                 std::to_string(steps) + " --seconds " +
                                 std::to_string(seconds) + " --warmup " +
                                 std::to_string(warmup);
            // Python as users run it, and with the glibc setting the C++ side applies.
            const std::string malloc_env =
                "MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=536870912 ";
            double c = 0, p = 0, pm = 0;
            auto best = [](double& b, const std::string& cmd) {
                b = std::max(
                    b, nlohmann::json::parse(run(cmd))["samples_per_s"].get<double>());
            };
            for (int r = 0; r < std::max(1, rounds); r++) {
                best(c, "'" + self_path() + "' bench train-one" + common);
                best(p, "/usr/bin/python3 '" + ref + "'" + common);
                best(pm, malloc_env + "/usr/bin/python3 '" + ref + "'" + common);
            }
            std::printf("| %s | %s | %.0f | %.0f | %.0f | %.2f | %.2f |\n",
                        m.c_str(),
                        t.c_str(),
                        c,
                        p,
                        pm,
                        c / p,
                        c / pm);
            std::fflush(stdout);
            rows.push_back({ { "model", m },
                             { "threads", std::stoi(t) },
                             { "batch", batch },
                             { "cpp_samples_per_s", c },
                             { "python_samples_per_s", p },
                             { "python_malloc_samples_per_s", pm },
                             { "ratio", c / p },
                             { "ratio_malloc", c / pm },
                             { "rounds", rounds },
                             { "seconds", seconds } });
        }
    }
    if (!json_out.empty())
        write_json(rows, json_out);
    return 0;
}

} // namespace

int bench_coreset(const std::vector<std::string>& args);
int bench_select(const std::vector<std::string>& args);
int bench_prune(const std::vector<std::string>& args);
int bench_keeper(const std::vector<std::string>& args);
int bench_ddp(const std::vector<std::string>& args);
int bench_infer(const std::vector<std::string>& args);
int bench_profile(const std::vector<std::string>& args);
int bench_open(const std::vector<std::string>& args);

int cmd_bench(const std::vector<std::string>& args)
{
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        std::cout
            << "usage: amr bench <what> [options]\n\n"
               "  train       C++ trainer vs eager Python PyTorch, samples/s\n"
               "  train-one   one C++ measurement (used by 'train')\n"
               "  coreset     the FoQuS protocol: accuracy of every method and rate\n"
               "  select      selection time of every method\n"
               "  prune       the FCOS protocol: accuracy, FLOPs, params, frames/s\n"
               "  keeper      the coreset keeper vs reservoir and offline FoQuS\n"
               "  ddp         data-parallel training with 1, 2, 4 ranks; RML2018 "
               "estimate\n"
               "  infer       inference engines alone: LibTorch vs native "
               "fp32/bf16/int8\n"
               "  profile     where a batch's time goes in the native engine\n"
               "  open        opening a dataset with and without the corrupt-file "
               "guard\n";
        return args.empty() ? 2 : 0;
    }
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (args[0] == "train")
        return bench_train(rest);
    if (args[0] == "train-one")
        return bench_train_one(rest);
    if (args[0] == "coreset")
        return bench_coreset(rest);
    if (args[0] == "select")
        return bench_select(rest);
    if (args[0] == "prune")
        return bench_prune(rest);
    if (args[0] == "keeper")
        return bench_keeper(rest);
    if (args[0] == "ddp")
        return bench_ddp(rest);
    if (args[0] == "infer")
        return bench_infer(rest);
    if (args[0] == "profile")
        return bench_profile(rest);
    if (args[0] == "open")
        return bench_open(rest);
    throw gr::amrcompress::input_error(
        "unknown benchmark '" + args[0] +
        "' (train, coreset, select, prune, keeper, ddp, infer, profile, open)");
}

} // namespace amr
