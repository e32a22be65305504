/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * FPGM (He et al. 2019): soft pruning by the geometric median. The filters
 * closest to all the others (smallest sum of Euclidean distances: nearest the
 * layer's geometric median, hence replaceable) are zeroed after every epoch.
 */
#include "method_util.h"
#include <gnuradio/amrcompress/error.h>
#include <torch/torch.h>

namespace gr {
namespace amrcompress {
namespace prune {

namespace {

class fpgm_method : public pruning_method
{
public:
    pruning_method_info info() const override
    {
        return {
            "fpgm",
            "channel",
            true,
            "zero the filters nearest the geometric median after every epoch (soft)"
        };
    }
    pruned run(prune_session& s, const net_state& original) override
    {
        return soft_channel_prune(
            s, original, [](const net_state& net, const channel_space& sp) {
                auto total = torch::zeros({ sp.width }, torch::kFloat64);
                for (const auto& w : sp.weights) {
                    auto rows =
                        net.tensors.at(w).reshape({ sp.width, -1 }).to(torch::kFloat64);
                    total += torch::cdist(rows.unsqueeze(0), rows.unsqueeze(0))
                                 .squeeze(0)
                                 .sum(1);
                }
                total = total.contiguous();
                return std::vector<double>(total.data_ptr<double>(),
                                           total.data_ptr<double>() + sp.width);
            });
    }
};

} // namespace

std::unique_ptr<pruning_method> make_fpgm() { return std::make_unique<fpgm_method>(); }

} // namespace prune
} // namespace amrcompress
} // namespace gr
