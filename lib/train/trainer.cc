/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Training with LibTorch on TorchScript models, recording every sample's
 * prediction and loss on every epoch (taken from the training pass itself, so
 * recording costs an argmax and a per-sample loss the step computes anyway).
 */
#include "../model/model_specs.h"
#include "../model/torch_model.h"
#include "dynamics_record.h"
#include "data_split.h"
#include "epoch_loop.h"
#include "frame_tensors.h"
#include "torch_runtime.h"
#include "train_step.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/selection.h>
#include <gnuradio/amrcompress/train.h>
#include <torch/torch.h>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <fstream>
#include <numeric>
#include <random>

namespace gr {
namespace amrcompress {

namespace {

using clock_t_ = std::chrono::steady_clock;
using json = nlohmann::json;

double since(clock_t_::time_point t)
{
    return std::chrono::duration<double>(clock_t_::now() - t).count();
}

bool is_model_file(const std::string& s)
{
    return s.size() > 3 && s.compare(s.size() - 3, 3, ".pt") == 0;
}

void write_metrics(const std::string& path,
                   const train_config& cfg,
                   const model_info& info,
                   const train_result& r,
                   double total_seconds)
{
    json epochs = json::array();
    for (const auto& e : r.epochs)
        epochs.push_back({ { "epoch", e.epoch },
                           { "lr", e.lr },
                           { "train_loss", e.train_loss },
                           { "train_acc", e.train_acc },
                           { "test_loss", e.test_loss },
                           { "test_acc", e.test_acc },
                           { "seconds", e.seconds },
                           { "eval_seconds", e.eval_seconds } });
    json per_snr = json::array();
    for (const auto& [snr, a] : r.test_acc_per_snr)
        per_snr.push_back({ { "snr_db", snr }, { "accuracy", a } });
    json j = {
        { "dataset", cfg.dataset },
        { "index_file", cfg.index_file },
        { "snr_min", std::isfinite(cfg.snr_min) ? json(cfg.snr_min) : json(nullptr) },
        { "snr_max", std::isfinite(cfg.snr_max) ? json(cfg.snr_max) : json(nullptr) },
        { "train_fraction", cfg.train_fraction },
        { "model", json::parse(info.to_json()) },
        { "epochs_planned", cfg.epochs },
        { "batch_size", cfg.batch_size },
        { "optimizer", { { "name", "adam" }, { "lr", cfg.lr } } },
        { "scheduler",
          { { "name", "steplr" }, { "step", cfg.lr_step }, { "gamma", cfg.lr_gamma } } },
        { "seed", cfg.seed },
        { "threads",
          cfg.threads > 0 ? cfg.threads : auto_threads(info.arch, info.flops) },
        { "train_frames", r.train_frames },
        { "test_frames", r.test_frames },
        { "epochs", epochs },
        { "test_acc_per_snr", per_snr },
        { "seconds", total_seconds },
        { "model_path", r.model_path },
        { "dynamics_path", r.dynamics_path }
    };
    std::ofstream f(path + ".partial");
    f << j.dump(2) << "\n";
    f.close();
    std::filesystem::rename(path + ".partial", path);
}

} // namespace

train_result
train_model(const train_config& cfg, const epoch_fn& on_epoch, const batch_fn& on_batch)
{
    if (cfg.epochs < 1 || cfg.batch_size < 1 || !(cfg.lr > 0) || cfg.lr_step < 1 ||
        !(cfg.lr_gamma > 0) || cfg.threads < 0 || cfg.eval_every < 0)
        throw input_error(
            "training parameters must be positive (epochs, batch, lr, step, "
            "gamma, threads)");
    if (cfg.out_dir.empty())
        throw input_error("no output directory given");
    const auto t_start = clock_t_::now();
    configure_torch_runtime(1);
    torch::manual_seed(cfg.seed);

    dataset_reader ds(cfg.dataset);
    auto frames = choose_frames(ds, cfg);

    // The model: fresh from a spec, or a saved one to fine-tune; refused
    // before any training when it does not fit the data.
    model::built_model bm;
    if (is_model_file(cfg.model)) {
        bm = model::load_fitting(cfg.model, ds.info());
    } else {
        torch::NoGradGuard ng;
        bm = model::build(model::resolve_spec(cfg.model),
                          ds.info().classes,
                          ds.info().frame_length,
                          ds.info().normalisation);
    }
    torch::jit::Module& m = bm.module;
    const int threads =
        cfg.threads > 0 ? cfg.threads : auto_threads(bm.info.arch, bm.info.flops);
    configure_torch_runtime(threads);

    std::filesystem::create_directories(cfg.out_dir);
    train_result r;
    r.model_path = cfg.out_dir + "/model.pt";
    r.metrics_path = cfg.out_dir + "/metrics.json";
    r.params = bm.info.params;
    r.flops = bm.info.flops;

    auto train = load_frames(ds, frames.train);
    auto test = load_frames(ds, frames.test);
    r.train_frames = frames.train.size();
    r.test_frames = frames.test.size();
    const size_t n = frames.train.size();

    std::unique_ptr<dynamics_record> rec;
    if (cfg.record_dynamics) {
        r.dynamics_path = cfg.out_dir + "/dynamics.h5";
        std::vector<int32_t> labels(n);
        const int64_t* lp = train.labels.data_ptr<int64_t>();
        for (size_t i = 0; i < n; i++)
            labels[i] = static_cast<int32_t>(lp[i]);
        rec = std::make_unique<dynamics_record>(r.dynamics_path,
                                                cfg.dataset,
                                                ds.info().classes,
                                                frames.train,
                                                labels,
                                                train.snr_db,
                                                cfg.epochs);
    }

    std::vector<torch::Tensor> params;
    for (const auto& p : m.parameters())
        params.push_back(p);
    torch::optim::Adam opt(params, torch::optim::AdamOptions(cfg.lr));

    std::vector<int64_t> order(n);
    std::vector<uint8_t> pred_col(n);
    std::vector<float> loss_col(n);
    std::mt19937_64 shuffle_rng(cfg.seed);
    const size_t batches = (n + cfg.batch_size - 1) / cfg.batch_size;
    sample_fn record;
    if (rec) // the dynamics record: prediction and loss of each sample in its step
        record = [&](int64_t row, int64_t pred, float loss) {
            pred_col[row] = static_cast<uint8_t>(pred);
            loss_col[row] = loss;
        };

    for (int ep = 0; ep < cfg.epochs; ep++) {
        const double lr = set_step_lr(opt, cfg.lr, ep, cfg.lr_step, cfg.lr_gamma);
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), shuffle_rng);
        const auto t_ep = clock_t_::now();
        size_t b = 0;
        auto tot = run_train_epoch(m, opt, train, order, cfg.batch_size, ep, record, [&] {
            if (on_batch)
                on_batch(ep * batches + (++b), cfg.epochs * batches);
        });
        const double loss_sum = tot.loss_sum;
        const size_t correct = tot.correct;
        epoch_stats st;
        st.epoch = ep + 1;
        st.lr = lr;
        st.train_loss = loss_sum / n;
        st.train_acc = double(correct) / n;
        if (rec) // inside the timed part: it is part of the recording overhead
            rec->write_epoch(ep, pred_col, loss_col, st.train_acc);
        st.seconds = since(t_ep);
        const bool last = ep + 1 == cfg.epochs;
        if (last || (cfg.eval_every > 0 && (ep + 1) % cfg.eval_every == 0)) {
            const auto t_ev = clock_t_::now();
            auto ev = evaluate_tensors(m, test, 1024);
            st.eval_seconds = since(t_ev);
            st.test_loss = ev.loss;
            st.test_acc = ev.acc;
            r.test_acc_per_snr = accuracy_per_snr(test, ev.pred);
        } else { // not measured this epoch (null in metrics.json)
            st.test_loss = st.test_acc = std::numeric_limits<double>::quiet_NaN();
        }
        r.epochs.push_back(st);
        write_metrics(r.metrics_path, cfg, bm.info, r, since(t_start));
        if (on_epoch)
            on_epoch(st, cfg.epochs);
    }
    m.eval();
    model::save(m, bm.info, r.model_path);
    torch::save(opt, cfg.out_dir + "/optimizer.pt");
    write_metrics(r.metrics_path, cfg, bm.info, r, since(t_start));
    return r;
}

} // namespace amrcompress
} // namespace gr
