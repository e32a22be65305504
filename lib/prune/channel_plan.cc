/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "channel_plan.h"
#include "clustering.h"
#include <gnuradio/amrcompress/error.h>
#include <torch/torch.h>
#include <algorithm>
#include <cmath>

namespace gr {
namespace amrcompress {
namespace prune {

namespace {

//! [groups, width] matrix of the producer weights.
torch::Tensor mixing(const std::vector<channel_group>& groups, int width, bool alpha)
{
    auto a = torch::zeros({ int64_t(groups.size()), width }, torch::kFloat64);
    for (size_t g = 0; g < groups.size(); g++)
        for (size_t m = 0; m < groups[g].members.size(); m++) {
            const int j = groups[g].members[m];
            if (j < 0 || j >= width)
                throw input_error("channel plan: channel " + std::to_string(j) +
                                  " is outside a space of width " +
                                  std::to_string(width));
            a[g][j] += alpha ? groups[g].alpha.at(m) : 1.0;
        }
    return a;
}

//! Output side: t [c, ...] -> a @ t along dim 0.
torch::Tensor mix_rows(const torch::Tensor& t, const torch::Tensor& a)
{
    auto sizes = t.sizes().vec();
    auto out = torch::matmul(a.to(t.dtype()), t.reshape({ t.size(0), -1 }));
    sizes[0] = a.size(0);
    return out.reshape(sizes).contiguous();
}

//! Input side: t [o, c * block, ...] -> channel-blocks mixed by s [n, c].
torch::Tensor mix_inputs(const torch::Tensor& t, const torch::Tensor& s, int64_t block)
{
    const int64_t o = t.size(0), c = s.size(1), n = s.size(0);
    if (t.size(1) != c * block)
        throw input_error("channel plan: input dimension " + std::to_string(t.size(1)) +
                          " does not match " + std::to_string(c) + " channels");
    auto v = t.reshape({ o, c, -1 });                                   // [o, c, r]
    auto mixed = torch::matmul(v.transpose(1, 2), s.to(t.dtype()).t()); // [o, r, n]
    auto sizes = t.sizes().vec();
    sizes[1] = n * block;
    return mixed.transpose(1, 2).contiguous().reshape(sizes);
}

const torch::Tensor& tensor(const net_state& net, const std::string& name)
{
    auto it = net.tensors.find(name);
    if (it == net.tensors.end())
        throw input_error("pruning: the model has no tensor '" + name + "'");
    return it->second;
}

void set_width(net_state& net, const channel_space& s, size_t width)
{
    net.spec[nlohmann::json::json_pointer(s.width_pointer)] = int(width);
}

} // namespace

std::vector<channel_group> keep_channels(std::vector<int> kept)
{
    std::sort(kept.begin(), kept.end());
    std::vector<channel_group> out;
    for (int j : kept)
        out.push_back({ { j }, { 1.0 } });
    return out;
}

int channels_kept(int width, double keep)
{
    return std::clamp(int(std::floor(width * keep + 1e-9)), 1, width);
}

net_state
apply_producers(const net_state& net, const prunable_graph& g, const channel_plan& plan)
{
    net_state out = net;
    torch::NoGradGuard ng;
    for (const auto& [name, groups] : plan) {
        const channel_space& s = g.space(name);
        if (groups.empty())
            throw input_error("channel plan: space " + name + " would keep no channel");
        auto a = mixing(groups, s.width, true);
        for (const auto& p : s.producers)
            out.tensors[p.name] = mix_rows(tensor(net, p.name), a);
        set_width(out, s, groups.size());
    }
    return out;
}

net_state apply_channel_plan(const net_state& net,
                             const prunable_graph& g,
                             const channel_plan& plan)
{
    net_state out = apply_producers(net, g, plan);
    torch::NoGradGuard ng;
    for (const auto& [name, groups] : plan) {
        const channel_space& s = g.space(name);
        auto sum = mixing(groups, s.width, false);
        for (const auto& c : s.consumers)
            out.tensors[c.name] = mix_inputs(out.tensors.at(c.name), sum, c.block);
    }
    return out;
}

net_state fuse_inputs_literally(const net_state& net,
                                const prunable_graph& g,
                                const std::map<std::string, int>& groups,
                                const std::string& metric)
{
    net_state out = net;
    torch::NoGradGuard ng;
    for (const auto& [name, k] : groups) {
        const channel_space& s = g.space(name);
        for (const auto& c : s.consumers) {
            const torch::Tensor& t = out.tensors.at(c.name);
            // One row per input channel: its slice across all outputs.
            auto rows = t.reshape({ t.size(0), s.width, -1 })
                            .transpose(0, 1)
                            .reshape({ s.width, -1 });
            auto clusters = average_linkage(row_distances(rows, metric), s.width, k);
            std::vector<channel_group> mean;
            for (auto& m : clusters)
                mean.push_back({ m, std::vector<double>(m.size(), 1.0 / m.size()) });
            out.tensors[c.name] = mix_inputs(t, mixing(mean, s.width, true), c.block);
        }
    }
    return out;
}

std::vector<double> row_distances(const torch::Tensor& rows_in, const std::string& metric)
{
    auto rows = rows_in.to(torch::kFloat64).reshape({ rows_in.size(0), -1 });
    const int64_t n = rows.size(0);
    torch::Tensor d;
    if (metric == "cosine") {
        auto norm = rows.norm(2, 1, true).clamp_min(1e-30);
        auto u = rows / norm;
        d = 1.0 - torch::matmul(u, u.t());
    } else if (metric == "euclidean") {
        auto e = torch::cdist(rows.unsqueeze(0), rows.unsqueeze(0)).squeeze(0);
        d = e / (1.0 + e);
    } else {
        throw input_error("unknown channel distance '" + metric +
                          "' (cosine, euclidean)");
    }
    d = d.clamp_min(0.0).contiguous();
    d.fill_diagonal_(0.0);
    return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + n * n);
}

std::vector<double>
channel_distances(const net_state& net, const channel_space& s, const std::string& metric)
{
    std::vector<double> mean(size_t(s.width) * s.width, 0.0);
    for (const auto& w : s.weights) {
        auto d = row_distances(tensor(net, w), metric);
        for (size_t i = 0; i < d.size(); i++)
            mean[i] += d[i] / s.weights.size();
    }
    return mean;
}

std::vector<double> channel_l1(const net_state& net, const channel_space& s)
{
    torch::Tensor sum = torch::zeros({ s.width }, torch::kFloat64);
    for (const auto& w : s.weights)
        sum += tensor(net, w).abs().reshape({ s.width, -1 }).sum(1).to(torch::kFloat64);
    return std::vector<double>(sum.data_ptr<double>(), sum.data_ptr<double>() + s.width);
}

} // namespace prune
} // namespace amrcompress
} // namespace gr
