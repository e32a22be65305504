/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * BNP (Chen et al. 2023, network slimming's criterion): keep the channels
 * whose BatchNorm scale |gamma| is largest. Needs BatchNorm after every pruned
 * conv, so it applies to resnet, not to cnn1d (as in the FCOS paper).
 */
#include "method_util.h"
#include <gnuradio/amrcompress/error.h>
#include <torch/torch.h>

namespace gr {
namespace amrcompress {
namespace prune {

namespace {

class bnp_method : public pruning_method
{
public:
    pruning_method_info info() const override
    {
        return {
            "bnp",
            "channel",
            false,
            "keep the channels with the largest BatchNorm |gamma| (models with BatchNorm)"
        };
    }
    pruned run(prune_session& s, const net_state& original) override
    {
        for (const auto& sp : original.graph().spaces)
            if (sp.bn_gamma.empty())
                throw input_error("bnp ranks channels by their BatchNorm scale; this " +
                                  original.info.arch + " model has no BatchNorm after " +
                                  sp.name);
        return hard_channel_prune(s, original, [](prune_session&, const net_state& net) {
            channel_scores sc;
            for (const auto& sp : net.graph().spaces) {
                auto g =
                    net.tensors.at(sp.bn_gamma).abs().to(torch::kFloat64).contiguous();
                sc[sp.name].assign(g.data_ptr<double>(), g.data_ptr<double>() + sp.width);
            }
            return sc;
        });
    }
};

} // namespace

std::unique_ptr<pruning_method> make_bnp() { return std::make_unique<bnp_method>(); }

} // namespace prune
} // namespace amrcompress
} // namespace gr
