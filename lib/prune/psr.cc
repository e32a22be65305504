/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PSR (Lu et al. 2024): split the network into segments of layers whose
 * representations are alike (linear CKA between layer outputs, Fisher's
 * optimal segmentation by dynamic programming), score every layer with the
 * data-free SynFlow criterion, and remove low-scoring layers first while each
 * segment keeps its best layer to the last. Segments: one per three layers.
 */
#include "method_util.h"
#include <gnuradio/amrcompress/error.h>
#include <torch/torch.h>
#include <limits>

namespace gr {
namespace amrcompress {
namespace prune {

namespace {

constexpr size_t FRAMES = 256;

//! Linear CKA between the rows of every pair of feature matrices.
std::vector<std::vector<double>> cka_matrix(const std::vector<torch::Tensor>& maps)
{
    std::vector<torch::Tensor> grams;
    for (const auto& m : maps) {
        auto x = m.flatten(1).to(torch::kFloat64);
        x = x - x.mean(0, true);
        auto k = torch::matmul(x, x.t());
        grams.push_back(k / k.norm().clamp_min(1e-300));
    }
    const size_t n = maps.size();
    std::vector<std::vector<double>> c(n, std::vector<double>(n, 1.0));
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            c[i][j] = c[j][i] = (grams[i] * grams[j]).sum().item<double>();
    return c;
}

//! Fisher's optimal segmentation of 0..n-1 into m consecutive segments.
std::vector<size_t> segment_of(const std::vector<std::vector<double>>& sim, size_t m)
{
    const size_t n = sim.size();
    auto cost = [&](size_t a, size_t b) { // sum over members of 1 - mean similarity
        double c = 0;
        for (size_t i = a; i <= b; i++) {
            double s = 0;
            for (size_t j = a; j <= b; j++)
                s += sim[i][j];
            c += 1 - s / (b - a + 1);
        }
        return c;
    };
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<std::vector<double>> best(m + 1, std::vector<double>(n + 1, inf));
    std::vector<std::vector<size_t>> cut(m + 1, std::vector<size_t>(n + 1, 0));
    best[0][0] = 0;
    for (size_t k = 1; k <= m; k++)
        for (size_t e = k; e <= n; e++)
            for (size_t s = k - 1; s < e; s++)
                if (best[k - 1][s] + cost(s, e - 1) < best[k][e]) {
                    best[k][e] = best[k - 1][s] + cost(s, e - 1);
                    cut[k][e] = s;
                }
    std::vector<size_t> seg(n);
    for (size_t k = m, e = n; k > 0; k--) {
        for (size_t i = cut[k][e]; i < e; i++)
            seg[i] = k - 1;
        e = cut[k][e];
    }
    return seg;
}

//! SynFlow per layer: sum |theta * dR/dtheta| with theta -> |theta| and R the
//! sum of the outputs for an all-ones input (double precision, eval mode).
std::vector<double> synflow(const net_state& net, const prunable_graph& g)
{
    auto bm = net.build();
    torch::jit::Module& m = bm.module;
    m.eval();
    m.to(torch::kFloat64);
    {
        torch::NoGradGuard ng;
        for (auto p : m.parameters())
            p.abs_();
    }
    auto ones = torch::ones({ 1, 2, int64_t(net.info.frame_length) }, torch::kFloat64);
    m.forward({ ones }).toTensor().sum().backward();
    std::vector<double> score(g.layers.size(), 0.0);
    for (const auto& p : m.named_parameters(false))
        for (size_t i = 0; i < g.layers.size(); i++) {
            if (belongs_to_layer(p.name, g.layers[i].name) && p.value.grad().defined())
                score[i] += (p.value * p.value.grad()).abs().sum().item<double>();
        }
    return score;
}

class psr_method : public pruning_method
{
public:
    pruning_method_info info() const override
    {
        return { "psr",
                 "layer",
                 false,
                 "CKA segmentation and SynFlow scores: remove the weakest layer of each "
                 "segment first" };
    }
    pruned run(prune_session& s, const net_state& original) override
    {
        const auto g = original.graph();
        auto sim = cka_matrix(s.feature_maps(original, g.layer_names(), FRAMES));
        const size_t segments = std::max<size_t>(2, g.layers.size() / 3);
        auto seg = segment_of(sim, std::min(segments, g.layers.size()));
        auto flow = synflow(original, g);

        // The best layer of each segment goes last (score + a large offset).
        std::vector<double> best(segments + 1, -1.0);
        for (size_t i = 0; i < g.layers.size(); i++)
            best[seg[i]] = std::max(best[seg[i]], flow[i]);
        std::vector<size_t> layers;
        std::vector<double> key;
        nlohmann::json rows = nlohmann::json::array();
        double top = 0;
        for (double f : flow)
            top = std::max(top, f);
        for (size_t i = 0; i < g.layers.size(); i++) {
            rows.push_back({ { "layer", g.layers[i].name },
                             { "segment", seg[i] },
                             { "synflow", flow[i] } });
            if (!g.layers[i].removable)
                continue;
            layers.push_back(i);
            key.push_back(flow[i] + (flow[i] == best[seg[i]] ? 2 * top + 1 : 0));
        }
        s.report["segments"] = rows;
        return remove_ranked_layers(s, original, ascending(layers, key));
    }
};

} // namespace

std::unique_ptr<pruning_method> make_psr() { return std::make_unique<psr_method>(); }

} // namespace prune
} // namespace amrcompress
} // namespace gr
