/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * RFP (Shao et al. 2021): keep the channels whose feature maps carry the most
 * information, measured as the entropy of each map's value histogram averaged
 * over frames of the train part.
 */
#include "method_util.h"
#include <gnuradio/amrcompress/error.h>
#include <torch/torch.h>

namespace gr {
namespace amrcompress {
namespace prune {

namespace {

constexpr int BINS = 32;
constexpr size_t FRAMES = 512;

//! Mean over frames of the entropy of each channel's map: maps [n, C, ...].
std::vector<double> map_entropy(const torch::Tensor& maps)
{
    auto v = maps.flatten(2).to(torch::kFloat64); // [n, C, S]
    const int64_t n = v.size(0), C = v.size(1), S = v.size(2);
    auto lo = std::get<0>(v.min(2, true)), hi = std::get<0>(v.max(2, true));
    auto idx = ((v - lo) / (hi - lo).clamp_min(1e-12) * BINS)
                   .floor()
                   .clamp(0, BINS - 1)
                   .to(torch::kInt64);
    auto counts = torch::zeros({ n, C, BINS }, torch::kFloat64)
                      .scatter_add_(2, idx, torch::ones_like(v));
    auto p = counts / double(S);
    auto h = -(p * torch::log(p.clamp_min(1e-300))).sum(2); // [n, C]; constant maps: 0
    auto mean = h.mean(0).contiguous();
    (void)C;
    return std::vector<double>(mean.data_ptr<double>(),
                               mean.data_ptr<double>() + mean.numel());
}

class rfp_method : public pruning_method
{
public:
    pruning_method_info info() const override
    {
        return { "rfp",
                 "channel",
                 false,
                 "keep the channels whose feature maps have the largest entropy" };
    }
    pruned run(prune_session& s, const net_state& original) override
    {
        return hard_channel_prune(
            s, original, [](prune_session& s, const net_state& net) {
                const auto g = net.graph();
                std::vector<std::string> taps;
                for (const auto& sp : g.spaces)
                    taps.push_back(sp.tap);
                auto maps = s.feature_maps(net, taps, FRAMES);
                channel_scores sc;
                for (size_t i = 0; i < g.spaces.size(); i++)
                    sc[g.spaces[i].name] = map_entropy(maps[i]);
                return sc;
            });
    }
};

} // namespace

std::unique_ptr<pruning_method> make_rfp() { return std::make_unique<rfp_method>(); }

} // namespace prune
} // namespace amrcompress
} // namespace gr
