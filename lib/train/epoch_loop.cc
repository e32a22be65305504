/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "epoch_loop.h"
#include "train_step.h"
#include <cmath>
#include <map>
#include <stdexcept>

namespace gr {
namespace amrcompress {

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
    const int64_t n = order.size();
    const int64_t W = shard.world;
    auto order_t =
        torch::from_blob(const_cast<int64_t*>(order.data()), { n }, torch::kInt64);
    m.train();
    epoch_totals tot;
    for (int64_t s = 0; s < n; s += batch_size) {
        const int64_t e = std::min<int64_t>(n, s + batch_size);
        const int64_t len = e - s;
        // This rank's slice [ls, le) of the global batch [s, e).
        int64_t ls = s, le = e;
        double loss_scale = 0; // 0: the mean over the batch
        bool reports = true;
        std::function<void()> after_backward;
        if (W > 1 && len >= W) {
            ls = s + len * shard.rank / W;
            le = s + len * (shard.rank + 1) / W;
            // DDP divides the summed gradients by W: sum/len * W here makes
            // the result the gradient of the global batch's mean loss.
            loss_scale = double(W) / double(len);
            if (shard.sync_step)
                shard.sync_step();
            after_backward = shard.end_sync;
        } else if (W > 1) {
            reports = shard.rank == 0;
        }
        auto idx = order_t.slice(0, ls, le);
        auto x = train.x.index_select(0, idx);
        auto y = train.labels.index_select(0, idx);
        auto out = train_step(m, opt, x, y, loss_scale, after_backward);
        if (reports) {
            auto p = out.logits.argmax(1);
            if (on_sample) {
                const int64_t* pp = p.data_ptr<int64_t>();
                const float* lp = out.per_sample.data_ptr<float>();
                const int64_t* yp = y.data_ptr<int64_t>();
                for (int64_t k = 0; k < le - ls; k++) {
                    on_sample(order[ls + k], pp[k], lp[k]);
                    tot.correct += pp[k] == yp[k];
                    tot.loss_sum += lp[k];
                }
            } else {
                tot.correct += (p == y).sum().item<int64_t>();
                tot.loss_sum += out.per_sample.sum().item<double>();
            }
        }
        if (!std::isfinite(tot.loss_sum))
            throw training_diverged("training diverged (loss is not finite) in epoch " +
                                    std::to_string(epoch + 1));
        if (on_batch)
            on_batch();
    }
    return tot;
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

std::map<float, double> accuracy_per_snr(const frame_tensors& t,
                                         const std::vector<int64_t>& pred)
{
    std::map<float, std::pair<size_t, size_t>> c;
    auto lab = t.labels.accessor<int64_t, 1>();
    for (size_t i = 0; i < pred.size(); i++) {
        auto& e = c[t.snr_db[i]];
        e.first += pred[i] == lab[i];
        e.second++;
    }
    std::map<float, double> out;
    for (auto& [snr, e] : c)
        out[snr] = double(e.first) / e.second;
    return out;
}

} // namespace amrcompress
} // namespace gr
