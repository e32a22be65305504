/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Derived from the graph the architecture files emit (lib/model/arch/).
 */
#include "../model/net_graph.h"
#include "prunable_graph.h"
#include <gnuradio/amrcompress/error.h>
#include <algorithm>
#include <map>

namespace gr {
namespace amrcompress {
namespace prune {

using json = nlohmann::json;

namespace {

/*!
 * Follows every activation's channels through the graph (Torch-Pruning's
 * dependency analysis on the graph the builder recorded): a conv makes a new
 * channel space, ops that keep channels (ReLU, BatchNorm, pooling, subsample,
 * squeeze, flatten, global average) carry it on, a residual sum merges the
 * spaces of its two inputs. A space is frozen, never pruned, when something
 * fixes its width: the input, the graph's output, a linear layer or LSTM
 * producing it, an unsqueeze turning channels into rows, a parameter-free
 * channel pad or cut, producers whose widths the spec sets in different
 * places, or none at all.
 */
class channel_tracer
{
public:
    explicit channel_tracer(const model::net_graph& g) : g(g)
    {
        act[g.input] = { fresh(true), 1 };
        for (size_t i = 0; i < g.ops.size(); i++)
            trace(i, g.ops[i]);
        at(g.output).frozen = true;
    }

    std::vector<channel_space> spaces() const
    {
        // Roots in the order of their first producer.
        std::vector<std::pair<size_t, int>> order;
        for (int s = 0; s < int(nodes.size()); s++)
            if (root(s) == s && !nodes[s].producer_ops.empty())
                order.emplace_back(nodes[s].producer_ops.front(), s);
        std::sort(order.begin(), order.end());
        std::vector<channel_space> out;
        for (const auto& [first, s] : order)
            if (prunable(s))
                out.push_back(describe(s));
        // Spaces sharing a name (two inner widths of one layer) are named
        // after their producer convs instead ("l0_b0_c1", "l0_b0_c2").
        std::map<std::string, int> uses;
        for (const auto& c : out)
            uses[c.name]++;
        for (auto& c : out)
            if (uses[c.name] > 1)
                c.name = c.weights[0].substr(0, c.weights[0].size() - 2);
        return out;
    }

private:
    struct node {
        int parent;
        bool frozen = false;
        std::vector<size_t> producer_ops; //!< convs (and linears) making the channels
        std::vector<size_t> bn_ops;
        std::vector<tensor_use>
            carried; //!< per-channel tensors of depthwise convs, scales
        std::vector<tensor_use> consumers;
        std::string tap; //!< the last tapped activation holding the channels
    };
    struct channels {
        int space;
        int64_t block; //!< entries per channel (after a flatten)
    };
    const model::net_graph& g;
    mutable std::vector<node> nodes;
    std::map<std::string, channels> act;

    int fresh(bool frozen)
    {
        nodes.push_back({ int(nodes.size()) });
        nodes.back().frozen = frozen;
        return int(nodes.size()) - 1;
    }
    int root(int s) const
    {
        while (nodes[s].parent != s)
            s = nodes[s].parent = nodes[nodes[s].parent].parent;
        return s;
    }
    node& at(const std::string& a) { return nodes[root(act.at(a).space)]; }
    void merge(int a, int b)
    {
        a = root(a);
        b = root(b);
        if (a == b)
            return;
        if (b < a)
            std::swap(a, b);
        node &na = nodes[a], &nb = nodes[b];
        nb.parent = a;
        na.frozen = na.frozen || nb.frozen;
        na.producer_ops.insert(
            na.producer_ops.end(), nb.producer_ops.begin(), nb.producer_ops.end());
        std::sort(na.producer_ops.begin(), na.producer_ops.end());
        na.bn_ops.insert(na.bn_ops.end(), nb.bn_ops.begin(), nb.bn_ops.end());
        std::sort(na.bn_ops.begin(), na.bn_ops.end());
        na.consumers.insert(na.consumers.end(), nb.consumers.begin(), nb.consumers.end());
        na.carried.insert(na.carried.end(), nb.carried.begin(), nb.carried.end());
    }

    void trace(size_t i, const model::net_op& op)
    {
        using model::net_op;
        const channels src = act.at(op.src);
        switch (op.kind) {
        case net_op::scale:
        case net_op::relu:
        case net_op::gelu:
        case net_op::dropout:
        case net_op::max_pool:
        case net_op::subsample:
        case net_op::squeeze: // [C, 1, W] -> [C, W]
        case net_op::global_avg:
            act[op.dst] = src;
            break;
        case net_op::batch_norm:
            act[op.dst] = src;
            at(op.src).bn_ops.push_back(i);
            break;
        case net_op::flatten: {
            const auto& s = g.shape_of(op.src); // channel c owns a run of entries
            int64_t run = src.block;
            for (size_t d = 1; d < s.size(); d++)
                run *= s[d];
            act[op.dst] = { src.space, run };
            break;
        }
        case net_op::add_relu:
        case net_op::add:
            merge(src.space, act.at(op.src2).space);
            act[op.dst] = { root(src.space), src.block };
            break;
        case net_op::channel_scale: // a per-channel tensor, sliced with the channels
            act[op.dst] = src;
            at(op.src).carried.push_back({ op.weight, 0, 1 });
            break;
        case net_op::conv:
            if (op.groups != 1) {
                if (op.groups == op.in &&
                    op.out == op.in) { // depthwise: carries channels
                    act[op.dst] = src;
                    at(op.src).carried.push_back({ op.weight, 0, 1 });
                    if (!op.bias.empty())
                        at(op.src).carried.push_back({ op.bias, 0, 1 });
                } else { // channels tied in groups: left alone
                    at(op.src).frozen = true;
                    act[op.dst] = { fresh(true), 1 };
                }
                break;
            }
            [[fallthrough]];
        case net_op::linear: {
            at(op.src).consumers.push_back({ op.weight, 1, src.block });
            const int s = fresh(op.kind == net_op::linear);
            nodes[s].producer_ops.push_back(i);
            act[op.dst] = { s, 1 };
            break;
        }
        case net_op::unsqueeze:    // channels become rows
        case net_op::pad_channels: // channels tied to zero ones by position
        case net_op::lstm:
        case net_op::concat: // channels placed by position after another's
        case net_op::stft:
        case net_op::additive_attention: // its final linear map makes the channels
        case net_op::s2m:                // two fixed channels, one per I/Q window
            at(op.src).frozen = true;
            if (op.kind == net_op::concat)
                at(op.src2).frozen = true;
            act[op.dst] = { fresh(true), 1 };
            break;
        }
        if (!op.tap.empty())
            at(op.dst).tap = op.tap;
    }

    bool prunable(int s) const
    {
        const node& n = nodes[s];
        if (n.frozen || n.producer_ops.empty())
            return false;
        for (size_t i : n.producer_ops)
            if (g.ops[i].width_pointer.empty() ||
                g.ops[i].width_pointer != g.ops[n.producer_ops[0]].width_pointer)
                return false;
        return true;
    }

    channel_space describe(int s) const
    {
        const node& n = nodes[s];
        channel_space c;
        std::vector<std::string> layers;
        for (size_t i : n.producer_ops) {
            const model::net_op& op = g.ops[i];
            c.weights.push_back(op.weight);
            c.producers.push_back({ op.weight, 0, 1 });
            if (!op.bias.empty())
                c.producers.push_back({ op.bias, 0, 1 });
            layers.push_back(op.layer.empty() ? op.weight.substr(0, op.weight.size() - 2)
                                              : op.layer);
        }
        for (size_t i : n.bn_ops) {
            const model::net_op& bn = g.ops[i];
            for (const auto* t : { &bn.weight, &bn.bias, &bn.mean, &bn.var })
                c.producers.push_back({ *t, 0, 1 });
            if (c.bn_gamma.empty())
                c.bn_gamma = bn.weight;
        }
        c.producers.insert(c.producers.end(), n.carried.begin(), n.carried.end());
        const model::net_op& first = g.ops[n.producer_ops[0]];
        c.name = common_name(layers);
        c.width_pointer = first.width_pointer;
        c.width = int(first.out);
        c.consumers = n.consumers;
        c.tap = n.tap;
        return c;
    }

    //! The layer of a space's producers, or what the names of several
    //! layers share ("s0_entry", "s0_u0", "s0_u1" -> "s0").
    static std::string common_name(const std::vector<std::string>& layers)
    {
        std::string p = layers[0];
        for (const auto& l : layers) {
            size_t k = 0;
            while (k < p.size() && k < l.size() && p[k] == l[k])
                k++;
            p.resize(k);
        }
        if (std::all_of(
                layers.begin(), layers.end(), [&](const auto& l) { return l == p; }))
            return p;
        const size_t cut = p.rfind('_');
        return cut == std::string::npos || cut == 0 ? layers[0] : p.substr(0, cut);
    }
};

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
    // The head's width does not matter: it is the graph's output, frozen.
    const auto net = model::build_net_graph(spec, 2, frame_length);
    prunable_graph g;
    g.arch = net.arch;
    g.spec = spec;
    g.frame_length = frame_length;
    g.spaces = channel_tracer(net).spaces();
    for (const auto& l : net.layers)
        g.layers.push_back(
            { l.name,
              !l.list_pointer.empty() && net.shape_of(l.src) == net.shape_of(l.dst),
              l.list_pointer,
              l.list_index });
    if (g.spaces.empty() && g.removable().empty())
        throw input_error(
            "pruning has nothing to change in a '" + g.arch +
            "' model: no convolution's channels and no layer can go " +
            "(every registered architecture: " + model::architecture_names() + ")");
    return g;
}

bool prunable_graph::can_remove(const std::vector<size_t>& which) const
{
    try {
        remove_layers(spec, *this, which);
        return true;
    } catch (const input_error&) {
        return false;
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
        for (auto it = members.rbegin(); it != members.rend(); ++it)
            if (gone[*it])
                list.erase(graph.layers[*it].list_index);
    }
    try { // the spec may need members in a list (a resnet stage keeps a block)
        model::build_net_graph(out.spec, 2, graph.frame_length);
    } catch (const input_error& e) {
        std::string names;
        for (const auto& r : out.removed)
            names += (names.empty() ? "" : ", ") + r;
        throw input_error("removing " + names + " leaves no valid model (" + e.what() +
                          ")");
    }
    return out;
}

} // namespace prune
} // namespace amrcompress
} // namespace gr
