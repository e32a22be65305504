/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "epoch_loop.h"
#include "epoch_order.h"
#include "train_step.h"
#include <cmath>
#include <map>
#include <stdexcept>

namespace gr {
namespace amrcompress {

epoch_totals run_train_epoch(torch::jit::Module& m,
                             torch::optim::Optimizer& opt,
                             const unit_source& units,
                             size_t batch_size,
                             int epoch,
                             const sample_fn& on_sample,
                             const std::function<void()>& on_batch,
                             const batch_shard& shard)
{
    const int64_t W = shard.world;
    m.train();
    epoch_totals tot;
    train_unit u;
    while (units(u)) {
        int64_t off = 0; // into the unit's rows: this rank's positions so far
        for (size_t s = u.first; s < u.last; s += batch_size) {
            const size_t e = std::min(u.last, s + batch_size);
            const auto sl = slice_of_batch(s, e, shard.rank, shard.world);
            double loss_scale = 0; // 0: the mean over the batch
            std::function<void()> after_backward;
            if (sl.split) {
                // DDP divides the summed gradients by W: sum/len * W here
                // makes the result the gradient of the global batch's mean loss.
                loss_scale = double(W) / double(e - s);
                if (shard.sync_step)
                    shard.sync_step();
                after_backward = shard.end_sync;
            }
            const int64_t cnt = int64_t(sl.last - sl.first);
            auto idx = u.local.slice(0, off, off + cnt);
            auto x = u.t.x.index_select(0, idx);
            auto y = u.t.labels.index_select(0, idx);
            auto out = train_step(m, opt, x, y, loss_scale, after_backward);
            if (sl.reports) {
                auto p = out.logits.argmax(1);
                if (on_sample) {
                    const int64_t* pp = p.data_ptr<int64_t>();
                    const float* lp = out.per_sample.data_ptr<float>();
                    const int64_t* yp = y.data_ptr<int64_t>();
                    for (int64_t k = 0; k < cnt; k++) {
                        on_sample(u.rows[size_t(off + k)], pp[k], lp[k]);
                        tot.correct += pp[k] == yp[k];
                        tot.loss_sum += lp[k];
                    }
                } else {
                    tot.correct += (p == y).sum().item<int64_t>();
                    tot.loss_sum += out.per_sample.sum().item<double>();
                }
            }
            off += cnt;
            if (!std::isfinite(tot.loss_sum))
                throw training_diverged(
                    "training diverged (loss is not finite) in epoch " +
                    std::to_string(epoch + 1));
            if (on_batch)
                on_batch();
        }
    }
    return tot;
}

epoch_totals run_train_epoch(torch::jit::Module& m,
                             torch::optim::Optimizer& opt,
                             const frame_tensors& train,
                             const std::vector<int64_t>& order,
                             size_t batch_size,
                             int epoch,
                             const sample_fn& on_sample,
                             const std::function<void()>& on_batch,
                             const batch_shard& shard)
{
    const unit_source one =
        single_unit(memory_unit(train, order, batch_size, shard.rank, shard.world));
    return run_train_epoch(m, opt, one, batch_size, epoch, on_sample, on_batch, shard);
}

double set_step_lr(torch::optim::Adam& opt, double lr, int epoch, int step, double gamma)
{
    const double v = lr * std::pow(gamma, epoch / step);
    for (auto& g : opt.param_groups())
        static_cast<torch::optim::AdamOptions&>(g.options()).lr(v);
    return v;
}

test_eval evaluate_tensors(torch::jit::Module& m, const frame_tensors& t, size_t batch)
{
    auto logits = predict_logits(m, t.x, batch);
    test_eval r;
    const int64_t n = t.x.size(0);
    if (n == 0)
        return r;
    r.loss = torch::nn::functional::cross_entropy(logits, t.labels).item<double>();
    auto p = logits.argmax(1);
    r.acc = double((p == t.labels).sum().item<int64_t>()) / n;
    r.pred.assign(p.data_ptr<int64_t>(), p.data_ptr<int64_t>() + n);
    return r;
}

test_eval evaluate_set(torch::jit::Module& m, const frame_set& s, size_t batch)
{
    test_eval r;
    if (s.size() == 0)
        return r;
    batch = std::max<size_t>(batch, 1);
    double loss = 0;
    size_t correct = 0;
    r.pred.resize(s.size());
    s.for_each(4 * batch, [&](const frame_tensors& t, size_t pos) {
        auto logits = predict_logits(m, t.x, batch);
        loss +=
            torch::nn::functional::cross_entropy(
                logits,
                t.labels,
                torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                .item<double>();
        auto p = logits.argmax(1);
        correct += (p == t.labels).sum().item<int64_t>();
        std::copy_n(p.data_ptr<int64_t>(), p.size(0), r.pred.begin() + pos);
    });
    r.loss = loss / double(s.size());
    r.acc = double(correct) / double(s.size());
    return r;
}

std::map<float, double> accuracy_per_snr(const std::vector<int64_t>& labels,
                                         const std::vector<float>& snr_db,
                                         const std::vector<int64_t>& pred)
{
    std::map<float, std::pair<size_t, size_t>> c;
    for (size_t i = 0; i < pred.size(); i++) {
        auto& e = c[snr_db[i]];
        e.first += pred[i] == labels[i];
        e.second++;
    }
    std::map<float, double> out;
    for (auto& [snr, e] : c)
        out[snr] = double(e.first) / e.second;
    return out;
}

std::map<float, double> accuracy_per_snr(const frame_tensors& t,
                                         const std::vector<int64_t>& pred)
{
    const int64_t* lab = t.labels.data_ptr<int64_t>();
    return accuracy_per_snr(
        std::vector<int64_t>(lab, lab + t.labels.size(0)), t.snr_db, pred);
}

} // namespace amrcompress
} // namespace gr
