/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tensor names follow lib/model/torch_model.cc (the spec builder).
 */
#include "../model/arch_table.h"
#include "../model/model_specs.h"
#include "prunable_graph.h"
#include <gnuradio/amrcompress/error.h>
#include <algorithm>
#include <map>

namespace gr {
namespace amrcompress {
namespace prune {

using json = nlohmann::json;

namespace {

std::string idx(size_t i) { return std::to_string(i); }

void add_producer_conv(channel_space& s, const std::string& conv, bool bias)
{
    s.weights.push_back(conv + "_w");
    s.producers.push_back({ conv + "_w", 0, 1 });
    if (bias)
        s.producers.push_back({ conv + "_b", 0, 1 });
}

prunable_graph describe_cnn1d(const json& spec, size_t L)
{
    prunable_graph g;
    g.arch = "cnn1d";
    const json& stacks = spec.at("stacks");
    const size_t n = stacks.size();
    const bool bias = model::spec_bool(spec, "bias", true); // the authors' has none
    for (size_t i = 0; i < n; i++) {
        const std::string p = "s" + idx(i);
        const json& units = stacks[i].at("units");
        g.layers.push_back({ p + "_entry", false, "", 0 });

        channel_space stack;
        stack.name = p;
        stack.width_pointer = "/stacks/" + idx(i) + "/channels";
        stack.width = stacks[i].at("channels").get<int>();
        add_producer_conv(stack, p + "_entry", bias);
        stack.tap = p + "_entry";
        for (size_t u = 0; u < units.size(); u++) {
            const std::string q = p + "_u" + idx(u);
            g.layers.push_back({ q, true, "/stacks/" + idx(i) + "/units", u });
            add_producer_conv(stack, q + "_c2", bias);
            stack.consumers.push_back({ q + "_c1_w", 1, 1 });
            stack.tap = q; // the stack's output: its last unit

            channel_space inner;
            inner.name = q;
            inner.width_pointer = "/stacks/" + idx(i) + "/units/" + idx(u);
            inner.width = units[u].get<int>();
            add_producer_conv(inner, q + "_c1", bias);
            inner.consumers.push_back({ q + "_c2_w", 1, 1 });
            inner.tap = q + ".inner";
            g.spaces.push_back(inner);
        }
        if (i + 1 < n)
            stack.consumers.push_back({ "s" + idx(i + 1) + "_entry_w", 1, 1 });
        else // flatten of [B, C, len] puts channel c at columns [c*len, (c+1)*len)
            stack.consumers.push_back({ "fc1_w", 1, int64_t(L >> n) });
        g.spaces.push_back(stack);
    }
    return g;
}

prunable_graph describe_resnet(const json& spec, size_t)
{
    prunable_graph g;
    g.arch = "resnet";
    g.layers.push_back({ "stem", false, "", 0 });
    int in = spec.at("stem").get<int>();
    const json& stages = spec.at("stages");
    for (size_t s = 0; s < stages.size(); s++) {
        const int ch = stages[s].at("channels").get<int>();
        const int stride = stages[s].at("stride").get<int>();
        const json& blocks = stages[s].at("blocks");
        for (size_t b = 0; b < blocks.size(); b++) {
            const std::string p = "l" + idx(s) + "_b" + idx(b);
            const bool same_shape = (b > 0 || stride == 1) && in == ch;
            g.layers.push_back({ p, same_shape, "/stages/" + idx(s) + "/blocks", b });
            channel_space inner;
            inner.name = p;
            inner.width_pointer = "/stages/" + idx(s) + "/blocks/" + idx(b);
            inner.width = blocks[b].get<int>();
            add_producer_conv(inner, p + "_c1", false);
            for (const char* t : { "_bn1_g", "_bn1_b", "_bn1_rm", "_bn1_rv" })
                inner.producers.push_back({ p + t, 0, 1 });
            inner.bn_gamma = p + "_bn1_g";
            inner.consumers.push_back({ p + "_c2_w", 1, 1 });
            inner.tap = p + ".inner";
            g.spaces.push_back(inner);
            in = ch;
        }
    }
    return g;
}

} // namespace

const channel_space& prunable_graph::space(const std::string& name) const
{
    for (const auto& s : spaces)
        if (s.name == name)
            return s;
    throw input_error("no channel space '" + name + "' in this " + arch + " model");
}

std::vector<size_t> prunable_graph::removable() const
{
    std::vector<size_t> out;
    for (size_t i = 0; i < layers.size(); i++)
        if (layers[i].removable)
            out.push_back(i);
    return out;
}

std::vector<std::string> prunable_graph::layer_names() const
{
    std::vector<std::string> out;
    for (const auto& l : layers)
        out.push_back(l.name);
    return out;
}

bool belongs_to_layer(const std::string& tensor, const std::string& layer)
{
    return tensor.size() > layer.size() && tensor.compare(0, layer.size(), layer) == 0 &&
           tensor[layer.size()] == '_';
}

prunable_graph describe_prunable(const json& spec, size_t frame_length)
{
    using describe_fn = prunable_graph (*)(const json&, size_t);
    // The prunable lines of architectures.def.
#define AMR_PRUNING_prunable(name) { #name, describe_##name },
#define AMR_PRUNING_not_prunable(name)
    static const std::pair<const char*, describe_fn> table[] = {
#define AMR_ARCH(name, pruning, threads) AMR_PRUNING_##pruning(name)
#include "../model/architectures.def"
#undef AMR_ARCH
    };
#undef AMR_PRUNING_prunable
#undef AMR_PRUNING_not_prunable
    const std::string arch = spec.value("arch", "");
    const auto describe = model::find_arch(
        table, arch, "pruning supports these architectures, not '" + arch + "'", " and ");
    try {
        return describe(spec, frame_length);
    } catch (const json::exception& e) {
        throw input_error(std::string("model spec: ") + e.what());
    }
}

layer_removal remove_layers(const json& spec,
                            const prunable_graph& graph,
                            const std::vector<size_t>& layers)
{
    layer_removal out;
    out.spec = spec;
    std::vector<char> gone(graph.layers.size(), 0);
    for (size_t i : layers) {
        if (i >= graph.layers.size() || !graph.layers[i].removable)
            throw input_error(
                "layer " +
                (i < graph.layers.size() ? graph.layers[i].name : std::to_string(i)) +
                " cannot be removed (its input and output shapes differ)");
        gone[i] = 1;
    }
    // Erase from the back of each list so earlier indices stay valid; count
    // the survivors before each layer of a list to renumber its tensors.
    std::map<std::string, std::vector<size_t>> per_list;
    for (size_t i = 0; i < graph.layers.size(); i++)
        if (!graph.layers[i].list_pointer.empty()) // every removable layer is in a list
            per_list[graph.layers[i].list_pointer].push_back(i);
    for (auto& [ptr, members] : per_list) {
        json& list = out.spec[json::json_pointer(ptr)];
        size_t kept = 0;
        for (size_t i : members) {
            const layer_entry& l = graph.layers[i];
            if (gone[i]) {
                out.removed.push_back(l.name);
                continue;
            }
            const std::string renamed =
                l.name.substr(0, l.name.rfind('_') + 2) + std::to_string(kept);
            if (renamed != l.name)
                out.renames.emplace_back(l.name, renamed);
            kept++;
        }
        if (kept == 0 && graph.arch == "resnet")
            throw input_error("removing every block of a resnet stage is not possible");
        for (auto it = members.rbegin(); it != members.rend(); ++it)
            if (gone[*it])
                list.erase(graph.layers[*it].list_index);
    }
    return out;
}

} // namespace prune
} // namespace amrcompress
} // namespace gr
