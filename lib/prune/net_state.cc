/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "net_state.h"
#include <gnuradio/amrcompress/error.h>
#include <torch/torch.h>
#include <sstream>

namespace gr {
namespace amrcompress {
namespace prune {

namespace {

std::string shape(const torch::Tensor& t)
{
    std::ostringstream s;
    s << t.sizes();
    return s.str();
}

} // namespace

net_state net_state::from(const model::built_model& m)
{
    net_state n;
    n.info = m.info;
    n.spec = nlohmann::json::parse(m.info.spec, nullptr, false);
    if (!n.spec.is_object())
        throw input_error("the model's metadata holds no valid spec");
    n.tensors = module_tensors(m.module, true);
    return n;
}

std::map<std::string, torch::Tensor> module_tensors(const torch::jit::Module& m,
                                                    bool copy)
{
    torch::NoGradGuard ng;
    std::map<std::string, torch::Tensor> out;
    auto take = [&](const std::string& name, const torch::Tensor& t) {
        out[name] = copy ? t.detach().clone() : t.detach();
    };
    for (const auto& p : m.named_parameters(false))
        take(p.name, p.value);
    for (const auto& b : m.named_buffers(false))
        take(b.name, b.value);
    return out;
}

model::built_model net_state::build() const
{
    torch::NoGradGuard ng;
    auto bm = model::build(spec, info.classes, info.frame_length, info.normalisation);
    size_t used = 0;
    auto fill = [&](const std::string& name, torch::Tensor dst) {
        auto it = tensors.find(name);
        if (it == tensors.end())
            throw input_error("pruned model: no tensor for '" + name + "'");
        if (!dst.sizes().equals(it->second.sizes()))
            throw input_error("pruned model: tensor '" + name + "' has shape " +
                              shape(it->second) + ", the spec needs " + shape(dst));
        dst.copy_(it->second);
        used++;
    };
    for (const auto& p : bm.module.named_parameters(false))
        fill(p.name, p.value);
    for (const auto& b : bm.module.named_buffers(false))
        fill(b.name, b.value);
    if (used != tensors.size())
        throw input_error("pruned model: " + std::to_string(tensors.size() - used) +
                          " tensors do not belong to the pruned spec");
    return bm;
}

net_state apply_layer_removal(const net_state& net, const layer_removal& r)
{
    net_state out;
    out.spec = r.spec;
    out.info = net.info;
    for (const auto& [name, t] : net.tensors) {
        bool dropped = false;
        for (const auto& gone : r.removed)
            dropped = dropped || belongs_to_layer(name, gone);
        if (dropped)
            continue;
        std::string renamed = name;
        for (const auto& [from, to] : r.renames)
            if (belongs_to_layer(name, from)) {
                renamed = to + name.substr(from.size());
                break;
            }
        out.tensors[renamed] = t;
    }
    return out;
}

model_info describe_spec(const nlohmann::json& spec, const model_info& like)
{
    torch::NoGradGuard ng;
    return model::build(spec, like.classes, like.frame_length, like.normalisation).info;
}

} // namespace prune
} // namespace amrcompress
} // namespace gr
