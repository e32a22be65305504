/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"
#include "launch_ranks.h"
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/train.h>
#include <unistd.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

namespace amr {

namespace {

// torchrun's environment, for options not given on the command line.
template <typename T>
void from_env(const char* name, const po::variables_map& vm, const char* opt, T& v)
{
    const char* e = std::getenv(name);
    if ((vm.count(opt) && !vm[opt].defaulted()) || !e || !*e)
        return;
    try {
        v = boost::lexical_cast<T>(e);
    } catch (const boost::bad_lexical_cast&) {
        throw gr::amrcompress::input_error(std::string("environment variable ") + name +
                                           "=" + e + " is not valid");
    }
}

void parse_master(const std::string& s, gr::amrcompress::dist_config& d)
{
    const auto colon = s.rfind(':');
    if (colon == std::string::npos || colon == 0)
        throw gr::amrcompress::input_error("--master " + s + ": expected host:port");
    d.master_addr = s.substr(0, colon);
    try {
        d.master_port = std::stoi(s.substr(colon + 1));
    } catch (const std::exception&) {
        throw gr::amrcompress::input_error("--master " + s +
                                           ": the port is not a number");
    }
}

// The arguments minus --nproc (and its value), for the ranks it starts.
std::vector<std::string> without_nproc(const std::vector<std::string>& args)
{
    std::vector<std::string> out;
    for (size_t i = 0; i < args.size(); i++) {
        if (args[i] == "--nproc") {
            i++;
            continue;
        }
        if (args[i].rfind("--nproc=", 0) == 0)
            continue;
        out.push_back(args[i]);
    }
    return out;
}

} // namespace

int cmd_train(const std::vector<std::string>& args)
{
    using namespace gr::amrcompress;
    train_config c;
    po::options_description o(
        "Train a model on a dataset, recording every training sample's prediction and "
        "loss "
        "per epoch (dynamics.h5). Writes OUT/model.pt (TorchScript with metadata), "
        "OUT/metrics.json, OUT/dynamics.h5 and OUT/optimizer.pt");
    o.add_options()("dataset", po::value(&c.dataset)->required(), "dataset (HDF5)")(
        "out,o", po::value(&c.out_dir)->required(), "output directory")(
        "model,m",
        po::value(&c.model)->default_value("cnn1d"),
        (model_names() + ", a JSON spec, or a model.pt to fine-tune").c_str())(
        "index",
        po::value(&c.index_file),
        "train on the frames in this index file (e.g. a "
        "coreset), which must be in the train split")(
        "snr-min",
        po::value(&c.snr_min),
        "lowest SNR used (dB); the papers' high-SNR setting is 10")(
        "snr-max", po::value(&c.snr_max), "highest SNR used (dB)")(
        "train-fraction",
        po::value(&c.train_fraction)->default_value(0.8, "0.8"),
        "train share of each (class, SNR) group; the rest is the test set")(
        "epochs,e", po::value(&c.epochs)->default_value(30), "epochs")(
        "batch-size,b", po::value(&c.batch_size)->default_value(128), "batch size")(
        "lr", po::value(&c.lr)->default_value(1e-3), "Adam learning rate")(
        "lr-step", po::value(&c.lr_step)->default_value(10), "StepLR step (epochs)")(
        "lr-gamma", po::value(&c.lr_gamma)->default_value(0.8, "0.8"), "StepLR factor")(
        "seed",
        po::value(&c.seed)->default_value(1),
        "seed (runs reproduce exactly on one thread)")(
        "threads,j",
        po::value(&c.threads)->default_value(0),
        "intra-op threads; 0 = measured choice: 2 for conv nets of >= 10 MFLOPs/frame, "
        "else 1")("eval-every",
                  po::value(&c.eval_every)->default_value(1),
                  "evaluate on the test set every N epochs (0: after the last only)")(
        "no-dynamics", "do not write the training-dynamics record")(
        "shuffle-window",
        po::value(&c.shuffle_window)->default_value(0, "all"),
        "frames shuffled together. all: every epoch a full permutation, held or "
        "streamed (the same batches either way); N below the selection: 1 MiB blocks "
        "in shuffled order, then shuffled within windows of N frames, for storage too "
        "slow for a read per frame (costs accuracy: docs/dataset-format.md)")(
        "frame-memory",
        po::value(&c.frame_memory_mib)->default_value(256),
        "MiB for the training frames: a selection that fits is held, a larger one "
        "(or a rank's share) streamed from the file in two units of half of it")(
        "resume",
        "continue from OUT/checkpoint.pt (written after every epoch) with the "
        "same settings; the number of ranks may differ");
    po::options_description dist("Data-parallel training (docs/distributed.md)");
    std::string master;
    int nproc = 0;
    dist.add_options()("nproc",
                       po::value(&nproc),
                       "start N local ranks of this job (one host) and wait")(
        "world-size",
        po::value(&c.dist.world_size)->default_value(1),
        "ranks in the job (env WORLD_SIZE)")("rank",
                                             po::value(&c.dist.rank)->default_value(0),
                                             "this process's rank (env RANK)")(
        "master",
        po::value(&master),
        "rank 0's host:port (env MASTER_ADDR, MASTER_PORT; default 127.0.0.1:29500)")(
        "timeout",
        po::value(&c.dist.timeout_seconds)->default_value(300),
        "seconds a silent rank may take before the others stop with an error")(
        "bucket-mb",
        po::value<double>()->default_value(25),
        "gradient all-reduce bucket size (MiB)");
    o.add(dist);
    po::positional_options_description pos;
    pos.add("dataset", 1);
    po::variables_map vm;
    if (!parse("train", "DATASET -o OUT [options]", args, o, pos, vm))
        return 0;
    c.record_dynamics = !vm.count("no-dynamics");
    c.resume = vm.count("resume") > 0;
    c.dist.bucket_bytes =
        size_t(std::max(0.01, vm["bucket-mb"].as<double>()) * (1 << 20));
    if (vm.count("nproc") && (nproc < 1 || nproc > 256))
        throw gr::amrcompress::input_error("--nproc must be 1 .. 256");
    if (nproc > 1) { // --nproc 1 is this process, with the usual thread choice
        if (vm["world-size"].as<int>() != 1 || vm.count("master") ||
            vm["rank"].as<int>() != 0)
            throw gr::amrcompress::input_error("--nproc starts the ranks itself: leave "
                                               "out --world-size, --rank and --master");
        auto rank_args = without_nproc(args);
        if (c.threads == 0) { // the ranks share this host's cores
            const int hw = std::max(1u, std::thread::hardware_concurrency());
            rank_args.push_back("--threads");
            rank_args.push_back(std::to_string(std::max(1, hw / nproc)));
        }
        return launch_local_ranks("train", rank_args, nproc, c.dist.timeout_seconds + 10);
    }
    from_env("WORLD_SIZE", vm, "world-size", c.dist.world_size);
    from_env("RANK", vm, "rank", c.dist.rank);
    if (vm.count("master")) {
        parse_master(master, c.dist);
    } else {
        from_env("MASTER_ADDR", vm, "master", c.dist.master_addr);
        from_env("MASTER_PORT", vm, "master", c.dist.master_port);
    }
    const bool leader = c.dist.rank == 0;

    progress on_batch("amr train: batches");
    const bool tty = isatty(fileno(stderr));
    // Only rank 0 reports; the others stay quiet unless they fail.
    auto on_epoch = [&](const epoch_stats& s, int total) {
        if (!leader)
            return;
        std::fprintf(
            stderr,
            "%sepoch %d/%d  lr %.2e  train loss %.4f acc %.4f  test loss %.4f acc "
            "%.4f  (%.1fs + eval %.1fs)\n",
            tty ? "\r" : "",
            s.epoch,
            total,
            s.lr,
            s.train_loss,
            s.train_acc,
            s.test_loss,
            s.test_acc,
            s.seconds,
            s.eval_seconds);
    };
    batch_fn batches;
    if (leader)
        batches = std::ref(on_batch);
    auto r = train_model(c, on_epoch, batches);
    if (!leader)
        return 0;
    if (r.resumed_after > 0)
        std::printf("amr train: resumed after epoch %d from %s/checkpoint.pt\n",
                    r.resumed_after,
                    c.out_dir.c_str());
    if (r.world_size > 1)
        std::printf(
            "amr train: %d ranks; global batch %zu; gradient all-reduce %.2f ms/step\n",
            r.world_size,
            c.batch_size,
            r.allreduce_seconds * 1e3);
    std::printf(
        "amr train: %s, %zu params, %.2f MFLOPs/frame; %zu train / %zu test frames\n",
        c.model.c_str(),
        r.params,
        r.flops / 1e6,
        r.train_frames,
        r.test_frames);
    if (r.streamed && r.shuffle_window < r.train_frames)
        std::printf("  streamed from the file in shuffle windows of %zu frames\n",
                    r.shuffle_window);
    else if (r.streamed)
        std::printf(
            "  streamed from the file in units of %zu frames (full permutation)\n",
            r.read_unit);
    std::printf("  final test accuracy %.4f; per SNR:", r.epochs.back().test_acc);
    for (const auto& [snr, a] : r.test_acc_per_snr)
        std::printf(" %g:%.3f", snr, a);
    std::printf(
        "\n  model %s\n  metrics %s\n", r.model_path.c_str(), r.metrics_path.c_str());
    if (!r.dynamics_path.empty())
        std::printf("  dynamics %s\n", r.dynamics_path.c_str());
    return 0;
}

} // namespace amr
