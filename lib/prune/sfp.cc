/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SFP (He et al. 2018): soft pruning. After every fine-tuning epoch the
 * filters with the smallest L2 norm are set to zero and may grow back; the
 * structure never changes, so only the parameter reduction is reported.
 */
#include "method_util.h"
#include <gnuradio/amrcompress/error.h>
#include <torch/torch.h>

namespace gr {
namespace amrcompress {
namespace prune {

namespace {

class sfp_method : public pruning_method
{
public:
    pruning_method_info info() const override
    {
        return { "sfp",
                 "channel",
                 true,
                 "zero the smallest-L2 filters after every epoch (soft, no speed-up)" };
    }
    pruned run(prune_session& s, const net_state& original) override
    {
        return soft_channel_prune(
            s, original, [](const net_state& net, const channel_space& sp) {
                auto sq = torch::zeros({ sp.width }, torch::kFloat64);
                for (const auto& w : sp.weights)
                    sq += net.tensors.at(w)
                              .reshape({ sp.width, -1 })
                              .pow(2)
                              .sum(1)
                              .to(torch::kFloat64);
                auto l2 = sq.sqrt().contiguous();
                return std::vector<double>(l2.data_ptr<double>(),
                                           l2.data_ptr<double>() + sp.width);
            });
    }
};

} // namespace

std::unique_ptr<pruning_method> make_sfp() { return std::make_unique<sfp_method>(); }

} // namespace prune
} // namespace amrcompress
} // namespace gr
