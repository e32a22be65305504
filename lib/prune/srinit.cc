/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SR-init (Tang et al. 2023): a layer whose parameters can be replaced by a
 * fresh random initialisation at little accuracy cost is redundant. Each
 * removable layer is re-initialised alone (PyTorch's default initialisation)
 * and scored by the accuracy drop on the held-out part of the train split.
 */
#include "method_util.h"
#include <gnuradio/amrcompress/error.h>
#include <torch/torch.h>

namespace gr {
namespace amrcompress {
namespace prune {

namespace {

class srinit_method : public pruning_method
{
public:
    pruning_method_info info() const override
    {
        return { "sr-init",
                 "layer",
                 false,
                 "remove the layers least sensitive to random re-initialisation" };
    }
    pruned run(prune_session& s, const net_state& original) override
    {
        const auto g = original.graph();
        const double base = s.accuracy(original, s.probe_val);
        torch::manual_seed(s.cfg.seed);
        net_state fresh;
        {
            torch::NoGradGuard ng;
            fresh = net_state::from(model::build(original.spec,
                                                 original.info.classes,
                                                 original.info.frame_length,
                                                 original.info.normalisation));
        }
        std::vector<size_t> layers = g.removable();
        std::vector<double> drop;
        nlohmann::json scores = nlohmann::json::array();
        for (size_t k = 0; k < layers.size(); k++) {
            net_state trial = original;
            for (auto& [name, t] : trial.tensors)
                if (belongs_to_layer(name, g.layers[layers[k]].name))
                    t = fresh.tensors.at(name);
            drop.push_back(base - s.accuracy(trial, s.probe_val));
            scores.push_back({ { "layer", g.layers[layers[k]].name },
                               { "accuracy_drop", drop.back() } });
            s.progress("re-initialising layers", k + 1, layers.size());
        }
        s.report["reinit_drop"] = scores;
        return remove_ranked_layers(s, original, ascending(layers, drop));
    }
};

} // namespace

std::unique_ptr<pruning_method> make_srinit()
{
    return std::make_unique<srinit_method>();
}

} // namespace prune
} // namespace amrcompress
} // namespace gr
