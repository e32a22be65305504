/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../gen/seeds.h"
#include "../train/checkpoint.h"
#include "../train/epoch_loop.h"
#include "prune_session.h"
#include <gnuradio/amrcompress/error.h>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <numeric>
#include <sstream>

namespace gr {
namespace amrcompress {
namespace prune {

namespace {

std::vector<size_t> tap_positions(const model::built_model& bm,
                                  const std::vector<std::string>& taps)
{
    std::vector<size_t> pos;
    for (const auto& t : taps) {
        auto it = std::find(bm.tap_names.begin(), bm.tap_names.end(), t);
        if (it == bm.tap_names.end())
            throw input_error("the model has no layer output named '" + t + "'");
        pos.push_back(it - bm.tap_names.begin());
    }
    return pos;
}

std::vector<torch::Tensor> run_taps(torch::jit::Module& m, const torch::Tensor& x)
{
    auto list = m.run_method("taps", x).toTensorList();
    return std::vector<torch::Tensor>(list.begin(), list.end());
}

// What a checkpoint must share with the run that resumes it: everything
// that changes the numbers (not the thread count), the model's contents
// too (a dense model retrained under the same name).
nlohmann::json run_settings(const prune_config& c)
{
    return { { "dataset", c.dataset },
             { "model", c.model },
             { "model_fnv1a", gen::fnv1a(read_file_bytes(c.model)) },
             { "method", c.method },
             { "train_fraction", c.train_fraction },
             { "snr", { c.snr_min, c.snr_max } },
             { "channel_keep", c.channel_keep },
             { "target_params", c.target_params },
             { "layers", c.layers },
             { "fusion", { c.distance, c.fusion, c.input_fusion, c.fusion_order } },
             { "stop_after", c.stop_after },
             { "beta", c.beta },
             { "diagnosis_epochs", c.diagnosis_epochs },
             { "probes", { c.probe_epochs, c.probe_lr, c.probe_batch, c.probe_holdout } },
             { "probe_data", c.probe_data },
             { "epochs", c.epochs },
             { "optimiser", { c.batch_size, c.lr, c.lr_step, c.lr_gamma } },
             { "seed", c.seed } };
}

std::string checkpoint_path(const prune_config& c, int stage)
{
    return c.out_dir + "/finetune-" + std::to_string(stage) + ".pt";
}

// Dropout's masks from the seed, the stage and the epoch (epoch -1: after
// the stage), so that a resumed stage draws what the uninterrupted one did.
void seed_torch(const prune_config& c, int stage, int epoch)
{
    torch::manual_seed(c.seed * 1000003ULL + uint64_t(stage) * 104729ULL +
                       uint64_t(epoch + 1) * 7919ULL);
}

} // namespace

prune_session::prune_session(const prune_config& cfg, const prune_progress_fn& progress)
    : cfg(cfg), rng(cfg.seed), progress_(progress)
{
}

void prune_session::set_data(const dataset_reader& ds,
                             const std::vector<size_t>& train_part,
                             const std::vector<size_t>& test_part)
{
    ds_ = &ds;
    train_rows = train_part;
    const size_t hold = hold_limit_frames(ds.info().frame_length);
    test = frame_set(ds, test_part, hold);
    train_.reset();
    probe_fit_.reset();
    if (cfg.probe_data == "test") { // the authors' reading (prune_config)
        probe_fit_rows = train_rows;
        probe_val = frame_set(ds, test_part, hold);
        return;
    }
    // Every class contributes the same share to the held-out part.
    std::map<int64_t, std::vector<int64_t>> by_class;
    for (size_t i = 0; i < train_rows.size(); i++)
        by_class[ds.labels()[train_rows[i]]].push_back(int64_t(i));
    std::vector<int64_t> fit, val;
    for (auto& [c, members] : by_class) {
        std::shuffle(members.begin(), members.end(), rng);
        size_t nv = size_t(std::lround(cfg.probe_holdout * members.size()));
        nv = std::clamp<size_t>(nv, members.size() > 1 ? 1 : 0, members.size() - 1);
        val.insert(val.end(), members.begin(), members.begin() + nv);
        fit.insert(fit.end(), members.begin() + nv, members.end());
    }
    if (fit.empty() || val.empty())
        throw input_error(
            "too few training frames to hold out a part for the linear probes");
    std::sort(fit.begin(), fit.end());
    std::sort(val.begin(), val.end());
    std::vector<size_t> val_rows;
    probe_fit_rows.clear();
    for (int64_t i : fit)
        probe_fit_rows.push_back(train_rows[size_t(i)]);
    for (int64_t i : val)
        val_rows.push_back(train_rows[size_t(i)]);
    probe_val = frame_set(ds, std::move(val_rows), hold);
}

void prune_session::progress(const std::string& stage, size_t done, size_t total) const
{
    if (progress_)
        progress_(stage, done, total);
}

double prune_session::accuracy(const net_state& net, const frame_set& data) const
{
    auto bm = net.build();
    return evaluate_set(bm.module, data, 1024).acc;
}

net_state
prune_session::finetune(const net_state& net,
                        int epochs,
                        const std::string& stage,
                        const std::function<void(torch::jit::Module&)>& after_epoch)
{
    auto bm = net.build();
    torch::jit::Module& m = bm.module;
    std::vector<torch::Tensor> params;
    for (const auto& p : m.parameters())
        params.push_back(p);
    torch::optim::Adam opt(params, torch::optim::AdamOptions(cfg.lr));
    if (!train_) // in memory when it fits one shuffle window, else streamed
        train_ =
            std::make_unique<train_stream>(*ds_, train_rows, 0, cfg.batch_size, 0, 1);
    const int k = finetunes_++;
    const std::string ckpt = checkpoint_path(cfg, k);
    nlohmann::json settings = run_settings(cfg);
    settings["stage"] = { k, stage, epochs };
    settings["spec"] = net.spec;
    // As the checkpoint will hold it (an unbounded SNR range is stored as null).
    settings = nlohmann::json::parse(settings.dump());
    int start = 0;
    if (cfg.resume && std::filesystem::exists(ckpt)) {
        const nlohmann::json state =
            restore_checkpoint(read_file_bytes(ckpt), ckpt, m, opt);
        if (state.at("settings") != settings)
            throw input_error(ckpt,
                              "was written by a pruning run with other settings; resume "
                              "with the same ones, or prune afresh without --resume");
        start = state.at("epochs_done").get<int>();
        std::istringstream(state.at("rng").get<std::string>()) >> rng;
    }
    const size_t n = train_rows.size();
    const size_t batches = (n + cfg.batch_size - 1) / cfg.batch_size;
    for (int ep = start; ep < epochs; ep++) {
        set_step_lr(opt, cfg.lr, ep, cfg.lr_step, cfg.lr_gamma);
        seed_torch(cfg, k, ep);
        size_t b = 0;
        run_train_epoch(
            m, opt, train_->epoch(train_->plan(rng)), cfg.batch_size, ep, nullptr, [&] {
                progress(stage, ep * batches + (++b), epochs * batches);
            });
        if (after_epoch) {
            torch::NoGradGuard ng;
            after_epoch(m);
        }
        std::ostringstream r;
        r << rng;
        write_file_atomically(ckpt,
                              checkpoint_bytes(m,
                                               opt,
                                               { { "settings", settings },
                                                 { "epochs_done", ep + 1 },
                                                 { "rng", r.str() } }));
    }
    seed_torch(cfg, k, -1);
    m.eval();
    net_state out{ net.spec, bm.info, module_tensors(m, true) };
    double acc = evaluate_set(m, test, 1024).acc;
    report["fine_tuning"].push_back(
        { { "stage", stage }, { "epochs", epochs }, { "test_acc", acc } });
    return out;
}

std::vector<std::string> prune_session::checkpoints() const
{
    std::vector<std::string> out;
    for (int k = 0; k < finetunes_; k++)
        out.push_back(checkpoint_path(cfg, k));
    return out;
}

std::vector<torch::Tensor> prune_session::feature_maps(
    const net_state& net, const std::vector<std::string>& taps, size_t n)
{
    auto bm = net.build();
    bm.module.eval();
    torch::NoGradGuard ng;
    auto pos = tap_positions(bm, taps);
    auto all = run_taps(bm.module, probe_val.first(n).x);
    std::vector<torch::Tensor> out;
    for (size_t p : pos)
        out.push_back(all[p]);
    return out;
}

std::vector<double> prune_session::probe_accuracies(const net_state& net,
                                                    const std::vector<std::string>& taps)
{
    auto bm = net.build();
    torch::jit::Module& m = bm.module;
    m.eval(); // frozen: BatchNorm statistics and dropout as at inference
    auto pos = tap_positions(bm, taps);
    const int64_t C = int64_t(net.info.classes.size());
    std::vector<torch::Tensor> w, b, params;
    {
        torch::NoGradGuard ng;
        auto sample = run_taps(m, probe_val.first(1).x);
        for (size_t p : pos) {
            const int64_t d = sample[p].numel();
            const double bound = 1.0 / std::sqrt(double(d)); // nn.Linear's initialisation
            w.push_back(torch::empty({ C, d }).uniform_(-bound, bound).requires_grad_());
            b.push_back(torch::empty({ C }).uniform_(-bound, bound).requires_grad_());
            params.push_back(w.back());
            params.push_back(b.back());
        }
    }
    torch::optim::Adam opt(params, torch::optim::AdamOptions(cfg.probe_lr));
    if (!probe_fit_)
        probe_fit_ = std::make_unique<train_stream>(
            *ds_, probe_fit_rows, 0, std::max<size_t>(cfg.probe_batch, 1), 0, 1);
    const size_t n = probe_fit_rows.size();
    const size_t bs = std::max<size_t>(cfg.probe_batch, 1);
    const size_t batches = (n + bs - 1) / bs;
    for (int ep = 0; ep < cfg.probe_epochs; ep++) {
        auto units = probe_fit_->epoch(probe_fit_->plan(rng));
        train_unit u;
        size_t k = 0;
        while (units(u)) {
            int64_t off = 0;
            for (size_t s = u.first; s < u.last; s += bs, k++) {
                const int64_t cnt = int64_t(std::min(u.last, s + bs) - s);
                auto idx = u.local.slice(0, off, off + cnt);
                off += cnt;
                auto y = u.t.labels.index_select(0, idx);
                std::vector<torch::Tensor> feats;
                {
                    torch::NoGradGuard ng;
                    feats = run_taps(m, u.t.x.index_select(0, idx));
                }
                torch::Tensor loss = torch::zeros({});
                for (size_t i = 0; i < pos.size(); i++)
                    loss = loss +
                           torch::nn::functional::cross_entropy(
                               torch::linear(feats[pos[i]].flatten(1), w[i], b[i]), y);
                opt.zero_grad();
                loss.backward();
                opt.step();
                progress(
                    "linear probes", ep * batches + k + 1, cfg.probe_epochs * batches);
            }
        }
    }
    torch::NoGradGuard ng;
    std::vector<int64_t> correct(pos.size(), 0);
    const int64_t nv = int64_t(probe_val.size());
    probe_val.for_each(1024, [&](const frame_tensors& t, size_t) {
        auto feats = run_taps(m, t.x);
        for (size_t i = 0; i < pos.size(); i++)
            correct[i] +=
                (torch::linear(feats[pos[i]].flatten(1), w[i], b[i]).argmax(1) ==
                 t.labels)
                    .sum()
                    .item<int64_t>();
    });
    std::vector<double> acc;
    for (auto c : correct)
        acc.push_back(nv ? double(c) / nv : 0.0);
    return acc;
}

} // namespace prune
} // namespace amrcompress
} // namespace gr
