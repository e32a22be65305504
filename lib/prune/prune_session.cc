/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../train/epoch_loop.h"
#include "prune_session.h"
#include <gnuradio/amrcompress/error.h>
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace gr {
namespace amrcompress {
namespace prune {

namespace {

frame_tensors rows(const frame_tensors& t, const std::vector<int64_t>& r)
{
    auto idx = torch::tensor(r, torch::kInt64);
    frame_tensors out;
    out.x = t.x.index_select(0, idx);
    out.labels = t.labels.index_select(0, idx);
    for (int64_t i : r)
        out.snr_db.push_back(t.snr_db[i]);
    return out;
}

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

} // namespace

prune_session::prune_session(const prune_config& cfg, const prune_progress_fn& progress)
    : cfg(cfg), rng(cfg.seed), progress_(progress)
{
}

void prune_session::set_data(frame_tensors train_part, frame_tensors test_part)
{
    train = std::move(train_part);
    test = std::move(test_part);
    // Every class contributes the same share to the held-out part.
    std::map<int64_t, std::vector<int64_t>> by_class;
    const int64_t* lab = train.labels.data_ptr<int64_t>();
    for (int64_t i = 0; i < train.labels.size(0); i++)
        by_class[lab[i]].push_back(i);
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
    probe_fit = rows(train, fit);
    probe_val = rows(train, val);
}

void prune_session::progress(const std::string& stage, size_t done, size_t total) const
{
    if (progress_)
        progress_(stage, done, total);
}

double prune_session::accuracy(const net_state& net, const frame_tensors& data) const
{
    auto bm = net.build();
    return evaluate_tensors(bm.module, data, 1024).acc;
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
    const int64_t n = train.x.size(0);
    std::vector<int64_t> order(n);
    const size_t batches = (n + cfg.batch_size - 1) / cfg.batch_size;
    for (int ep = 0; ep < epochs; ep++) {
        set_step_lr(opt, cfg.lr, ep, cfg.lr_step, cfg.lr_gamma);
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), rng);
        size_t b = 0;
        run_train_epoch(m, opt, train, order, cfg.batch_size, ep, nullptr, [&] {
            progress(stage, ep * batches + (++b), epochs * batches);
        });
        if (after_epoch) {
            torch::NoGradGuard ng;
            after_epoch(m);
        }
    }
    m.eval();
    net_state out{ net.spec, bm.info, module_tensors(m, true) };
    double acc = evaluate_tensors(m, test, 1024).acc;
    report["fine_tuning"].push_back(
        { { "stage", stage }, { "epochs", epochs }, { "test_acc", acc } });
    return out;
}

std::vector<torch::Tensor> prune_session::feature_maps(
    const net_state& net, const std::vector<std::string>& taps, size_t n)
{
    auto bm = net.build();
    bm.module.eval();
    torch::NoGradGuard ng;
    auto pos = tap_positions(bm, taps);
    auto all = run_taps(bm.module, probe_val.x.slice(0, 0, int64_t(n)));
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
        auto sample = run_taps(m, probe_fit.x.slice(0, 0, 1));
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
    const int64_t n = probe_fit.x.size(0);
    std::vector<int64_t> order(n);
    const size_t bs = std::max<size_t>(cfg.probe_batch, 1);
    const size_t batches = (n + bs - 1) / bs;
    for (int ep = 0; ep < cfg.probe_epochs; ep++) {
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), rng);
        auto order_t = torch::tensor(order, torch::kInt64);
        for (int64_t s = 0, k = 0; s < n; s += bs, k++) {
            auto idx = order_t.slice(0, s, std::min<int64_t>(n, s + bs));
            auto y = probe_fit.labels.index_select(0, idx);
            std::vector<torch::Tensor> feats;
            {
                torch::NoGradGuard ng;
                feats = run_taps(m, probe_fit.x.index_select(0, idx));
            }
            torch::Tensor loss = torch::zeros({});
            for (size_t i = 0; i < pos.size(); i++)
                loss = loss + torch::nn::functional::cross_entropy(
                                  torch::linear(feats[pos[i]].flatten(1), w[i], b[i]), y);
            opt.zero_grad();
            loss.backward();
            opt.step();
            progress("linear probes", ep * batches + k + 1, cfg.probe_epochs * batches);
        }
    }
    torch::NoGradGuard ng;
    std::vector<int64_t> correct(pos.size(), 0);
    const int64_t nv = probe_val.x.size(0);
    for (int64_t s = 0; s < nv; s += 1024) {
        auto x = probe_val.x.slice(0, s, std::min<int64_t>(nv, s + 1024));
        auto y = probe_val.labels.slice(0, s, std::min<int64_t>(nv, s + 1024));
        auto feats = run_taps(m, x);
        for (size_t i = 0; i < pos.size(); i++)
            correct[i] +=
                (torch::linear(feats[pos[i]].flatten(1), w[i], b[i]).argmax(1) == y)
                    .sum()
                    .item<int64_t>();
    }
    std::vector<double> acc;
    for (auto c : correct)
        acc.push_back(nv ? double(c) / nv : 0.0);
    return acc;
}

} // namespace prune
} // namespace amrcompress
} // namespace gr
