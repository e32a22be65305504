/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * FCOS (Lu et al.): stage 1 fuses similar channels of every layer
 * (Algorithm 1), stage 2 finds collapsed layers with linear probes and
 * removes them (LaCD, Algorithm 2). docs/pruning.md explains the choices the
 * paper leaves open.
 */
#include "clustering.h"
#include "method_util.h"
#include <gnuradio/amrcompress/error.h>
#include <cmath>

namespace gr {
namespace amrcompress {
namespace prune {

namespace {

//! Clusters each space's channels into floor(width * keep) groups (Eq. 1-4)
//! and gives each member its fusion weight (Eq. 5 or Eq. 10-11).
channel_plan
fusion_plan(const net_state& net, const prunable_graph& g, const prune_config& cfg)
{
    if (cfg.fusion != "mean" && cfg.fusion != "l1")
        throw input_error("unknown fusion '" + cfg.fusion + "' (mean, l1)");
    channel_plan plan;
    for (const auto& s : g.spaces) {
        const int k = channels_kept(s.width, cfg.channel_keep);
        auto clusters =
            average_linkage(channel_distances(net, s, cfg.distance), s.width, k);
        const auto l1 = channel_l1(net, s);
        auto& groups = plan[s.name];
        for (auto& members : clusters) {
            channel_group grp{ members, {} };
            double total = 0;
            for (int j : members)
                total += l1[j];
            for (int j : members)
                grp.alpha.push_back(cfg.fusion == "l1" && total > 0
                                        ? l1[j] / total
                                        : 1.0 / members.size());
            groups.push_back(grp);
        }
    }
    return plan;
}

std::map<std::string, int> group_counts(const channel_plan& plan)
{
    std::map<std::string, int> n;
    for (const auto& [space, groups] : plan)
        n[space] = int(groups.size());
    return n;
}

net_state
fuse_channels(const net_state& net, const prunable_graph& g, const prune_config& cfg)
{
    if (cfg.input_fusion ==
        "sum") // order-free: the two sides are linear maps on different axes
        return apply_channel_plan(net, g, fusion_plan(net, g, cfg));
    if (cfg.input_fusion != "literal")
        throw input_error("unknown input fusion '" + cfg.input_fusion +
                          "' (sum, literal)");
    if (cfg.fusion_order == "output-first") {
        auto plan = fusion_plan(net, g, cfg);
        return fuse_inputs_literally(
            apply_producers(net, g, plan), g, group_counts(plan), cfg.distance);
    }
    if (cfg.fusion_order != "input-first")
        throw input_error("unknown fusion order '" + cfg.fusion_order +
                          "' (output-first, input-first)");
    std::map<std::string, int> counts;
    for (const auto& s : g.spaces)
        counts[s.name] = channels_kept(s.width, cfg.channel_keep);
    auto inputs_fused = fuse_inputs_literally(net, g, counts, cfg.distance);
    return apply_producers(inputs_fused, g, fusion_plan(inputs_fused, g, cfg));
}

//! Collapsed layers (Eq. 8): removable, and the probe barely moves across them.
std::vector<size_t>
collapsed_layers(const prunable_graph& g, const std::vector<double>& acc, double beta)
{
    std::vector<size_t> out;
    std::map<std::string, std::pair<size_t, size_t>> list_use; // members, flagged
    for (size_t i = 0; i < g.layers.size(); i++)
        if (!g.layers[i].list_pointer.empty())
            list_use[g.layers[i].list_pointer].first++;
    for (size_t i = 1; i < g.layers.size(); i++)
        if (g.layers[i].removable && std::abs(acc[i] - acc[i - 1]) <= beta) {
            out.push_back(i);
            list_use[g.layers[i].list_pointer].second++;
        }
    // A spec list may need a member (a resnet stage keeps a block): while
    // the removal is invalid, spare the deepest flagged layer of a list
    // that would be emptied.
    while (!out.empty() && !g.can_remove(out)) {
        bool spared = false;
        for (auto& [list, use] : list_use)
            if (use.first == use.second)
                for (auto it = out.rbegin(); it != out.rend(); ++it)
                    if (g.layers[*it].list_pointer == list) {
                        out.erase(std::next(it).base());
                        use.second--;
                        spared = true;
                        break;
                    }
        if (!spared)
            out.pop_back();
    }
    return out;
}

class fcos_method : public pruning_method
{
public:
    pruning_method_info info() const override
    {
        return { "fcos",
                 "channel+layer",
                 false,
                 "channel fusion by average-linkage clustering, then layer-collapse "
                 "diagnosis by linear probes (LaCD), then fine-tuning" };
    }

    pruned run(prune_session& s, const net_state& original) override
    {
        const prune_config& cfg = s.cfg;
        if (!(cfg.channel_keep > 0 && cfg.channel_keep <= 1))
            throw input_error("--channel-keep (epsilon) must be in (0, 1]");
        s.progress("channel fusion", 0, 1);
        net_state fused = fuse_channels(original, original.graph(), cfg);
        const auto size = describe_spec(fused.spec, fused.info);
        s.report["channel_fusion"] = { { "test_acc", s.accuracy(fused, s.test) },
                                       { "params", size.params },
                                       { "flops", size.flops },
                                       { "channel_keep", cfg.channel_keep },
                                       { "distance", cfg.distance },
                                       { "fusion", cfg.fusion },
                                       { "input_fusion", cfg.input_fusion },
                                       { "fusion_order", cfg.fusion_order } };
        if (cfg.stop_after == "channel-fusion")
            return { fused, std::nullopt, true };
        if (!cfg.stop_after.empty())
            throw input_error("unknown --stop-after '" + cfg.stop_after +
                              "' (channel-fusion)");

        net_state tuned =
            s.finetune(fused, cfg.diagnosis_epochs, "fine-tuning before LaCD");
        const auto g = tuned.graph();
        auto acc = s.probe_accuracies(tuned, g.layer_names());
        auto collapsed = collapsed_layers(g, acc, cfg.beta);
        auto removal = remove_layers(tuned.spec, g, collapsed);
        nlohmann::json probes = nlohmann::json::array();
        for (size_t i = 0; i < g.layers.size(); i++)
            probes.push_back({ { "layer", g.layers[i].name },
                               { "probe_acc", acc[i] },
                               { "removable", g.layers[i].removable },
                               { "removed",
                                 std::find(collapsed.begin(), collapsed.end(), i) !=
                                     collapsed.end() } });
        s.report["probes"] = probes;
        s.report["beta"] = cfg.beta;
        s.report["removed_layers"] = removal.removed;
        net_state cut = apply_layer_removal(tuned, removal);
        s.report["accuracy_after_cut"] = s.accuracy(cut, s.test);
        return { s.finetune(cut, cfg.epochs, "fine-tuning"), std::nullopt };
    }
};

} // namespace

std::unique_ptr<pruning_method> make_fcos() { return std::make_unique<fcos_method>(); }

} // namespace prune
} // namespace amrcompress
} // namespace gr
