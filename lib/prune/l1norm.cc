/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * L1-norm (Li et al. 2017): keep the filters with the largest sum |w|; in a
 * coupled space the sum runs over every conv that writes the channel.
 */
#include "method_util.h"
#include <gnuradio/amrcompress/error.h>
#include <torch/torch.h>

namespace gr {
namespace amrcompress {
namespace prune {

namespace {

class l1norm_method : public pruning_method
{
public:
    pruning_method_info info() const override
    {
        return {
            "l1norm", "channel", false, "keep the filters with the largest L1 norm"
        };
    }
    pruned run(prune_session& s, const net_state& original) override
    {
        return hard_channel_prune(s, original, [](prune_session&, const net_state& net) {
            channel_scores sc;
            for (const auto& sp : net.graph().spaces)
                sc[sp.name] = channel_l1(net, sp);
            return sc;
        });
    }
};

} // namespace

std::unique_ptr<pruning_method> make_l1norm()
{
    return std::make_unique<l1norm_method>();
}

} // namespace prune
} // namespace amrcompress
} // namespace gr
