/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * LCP (Chen and Zhao 2018): linear classifier probes after every layer; the
 * layers across which the probe accuracy gains least are removed first.
 */
#include "method_util.h"
#include <gnuradio/amrcompress/error.h>
#include <torch/torch.h>

namespace gr {
namespace amrcompress {
namespace prune {

namespace {

class lcp_method : public pruning_method
{
public:
    pruning_method_info info() const override
    {
        return { "lcp",
                 "layer",
                 false,
                 "remove the layers with the smallest linear-probe accuracy gain" };
    }
    pruned run(prune_session& s, const net_state& original) override
    {
        const auto g = original.graph();
        auto acc = s.probe_accuracies(original, g.layer_names());
        std::vector<size_t> layers;
        std::vector<double> gain;
        nlohmann::json probes = nlohmann::json::array();
        for (size_t i = 0; i < g.layers.size(); i++) {
            probes.push_back({ { "layer", g.layers[i].name }, { "probe_acc", acc[i] } });
            if (i > 0 && g.layers[i].removable) {
                layers.push_back(i);
                gain.push_back(acc[i] - acc[i - 1]);
            }
        }
        s.report["probes"] = probes;
        return remove_ranked_layers(s, original, ascending(layers, gain));
    }
};

} // namespace

std::unique_ptr<pruning_method> make_lcp() { return std::make_unique<lcp_method>(); }

} // namespace prune
} // namespace amrcompress
} // namespace gr
