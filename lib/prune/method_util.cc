/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "method_util.h"
#include <gnuradio/amrcompress/error.h>
#include <torch/torch.h>
#include <algorithm>
#include <numeric>

namespace gr {
namespace amrcompress {
namespace prune {

using json = nlohmann::json;

namespace {

//! Indices of `value` sorted by it (stable: ties in index order).
std::vector<int> ranked(const std::vector<double>& value, bool descending)
{
    std::vector<int> order(value.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return descending ? value[a] > value[b] : value[a] < value[b];
    });
    return order;
}

} // namespace

channel_plan keep_top(const prunable_graph& g, const channel_scores& scores, double keep)
{
    channel_plan plan;
    for (const auto& s : g.spaces) {
        auto order = ranked(scores.at(s.name), true);
        order.resize(channels_kept(s.width, keep));
        plan[s.name] = keep_channels(order);
    }
    return plan;
}

json spec_with_keep(const net_state& net, const prunable_graph& g, double keep)
{
    json spec = net.spec;
    for (const auto& s : g.spaces)
        spec[json::json_pointer(s.width_pointer)] = channels_kept(s.width, keep);
    return spec;
}

double choose_keep(prune_session& s, const net_state& original)
{
    const double target = s.cfg.target_params;
    if (!(target > 0))
        return s.cfg.channel_keep;
    if (target >= 1)
        throw input_error("--target-params must be a fraction below 1");
    const auto g = original.graph();
    const double limit = (1 - target) * original.info.params;
    auto params_at = [&](double k) {
        return double(
            describe_spec(spec_with_keep(original, g, k), original.info).params);
    };
    double lo = 0, hi = 1; // params_at(lo) is the smallest model the spaces allow
    if (params_at(lo) > limit)
        return lo;
    for (int i = 0; i < 24; i++) {
        const double mid = 0.5 * (lo + hi);
        (params_at(mid) <= limit ? lo : hi) = mid;
    }
    return lo;
}

pruned
hard_channel_prune(prune_session& s, const net_state& original, const scorer& score)
{
    const double keep = choose_keep(s, original);
    const auto g = original.graph();
    s.progress("scoring channels", 0, 1);
    auto plan = keep_top(g, score(s, original), keep);
    s.report["channel_keep"] = keep;
    net_state cut = apply_channel_plan(original, g, plan);
    s.report["accuracy_after_cut"] = s.accuracy(cut, s.test);
    return { s.finetune(cut, s.cfg.epochs, "fine-tuning"), std::nullopt };
}

pruned soft_channel_prune(prune_session& s,
                          const net_state& original,
                          const weight_scorer& score)
{
    const double keep = choose_keep(s, original);
    const auto g = original.graph();
    s.report["channel_keep"] = keep;
    auto zero_worst = [&](torch::jit::Module& m) {
        net_state now{ original.spec, original.info, module_tensors(m, false) };
        for (const auto& sp : g.spaces) {
            auto order = ranked(score(now, sp), false);
            order.resize(sp.width - channels_kept(sp.width, keep));
            for (const auto& w : sp.weights) {
                const std::string bias = w.substr(0, w.size() - 1) + "b";
                for (int j : order) {
                    now.tensors.at(w)[j].zero_(); // the module's own storage
                    if (now.tensors.count(bias))
                        now.tensors.at(bias)[j].zero_();
                }
            }
        }
    };
    pruned out{ s.finetune(original, s.cfg.epochs, "fine-tuning (soft)", zero_worst),
                spec_with_keep(original, g, keep) };
    return out;
}

std::vector<size_t> ascending(const std::vector<size_t>& layers,
                              const std::vector<double>& value)
{
    std::vector<size_t> out;
    for (int p : ranked(value, false))
        out.push_back(layers[p]);
    return out;
}

pruned remove_ranked_layers(prune_session& s,
                            const net_state& original,
                            const std::vector<size_t>& ranking)
{
    const auto g = original.graph();
    const double target = s.cfg.target_params;
    if (!(target > 0) && s.cfg.layers < 1)
        throw input_error("layer pruning needs --layers N or --target-params F");
    const double limit = (1 - target) * original.info.params;
    std::vector<size_t> chosen;
    for (size_t layer : ranking) {
        if (!(target > 0) && int(chosen.size()) >= s.cfg.layers)
            break;
        auto trial = chosen;
        trial.push_back(layer);
        try {
            auto r = remove_layers(original.spec, g, trial);
            chosen = trial;
            if (target > 0 && describe_spec(r.spec, original.info).params <= limit)
                break;
        } catch (const input_error&) { // would empty a resnet stage: skip this one
        }
    }
    auto removal = remove_layers(original.spec, g, chosen);
    s.report["removed_layers"] = removal.removed;
    net_state cut = apply_layer_removal(original, removal);
    s.report["accuracy_after_cut"] = s.accuracy(cut, s.test);
    return { s.finetune(cut, s.cfg.epochs, "fine-tuning"), std::nullopt };
}

} // namespace prune
} // namespace amrcompress
} // namespace gr
