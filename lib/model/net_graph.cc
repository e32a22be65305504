/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The graph of a spec: the input gain, the architecture's own ops
 * (lib/model/arch/<name>.cc, a line of architectures.def each) and the
 * classifier head.
 */
#include "arch_table.h"
#include "graph_builder.h"
#include "net_graph.h"
#include <gnuradio/amrcompress/error.h>

namespace gr {
namespace amrcompress {
namespace model {

using json = nlohmann::json;

namespace {

using arch_fn = void (*)(graph_builder&, const json&, size_t);

const std::pair<const char*, arch_fn> ARCHITECTURES[] = {
#define AMR_ARCH(name, ...) { #name, graph_##name },
#include "architectures.def"
#undef AMR_ARCH
};

} // namespace

const act_shape& net_graph::shape_of(const std::string& a) const
{
    if (a == input)
        return input_shape;
    for (const auto& op : ops)
        if (op.dst == a)
            return op.out_shape;
    throw std::logic_error("net_graph: no activation " + a);
}

bool known_architecture(const std::string& arch)
{
    for (const auto& [name, fn] : ARCHITECTURES)
        if (arch == name)
            return true;
    return false;
}

std::string architecture_names(const char* sep)
{
    std::string out;
    for (const auto& [name, fn] : ARCHITECTURES)
        out += (out.empty() ? "" : sep) + std::string(name);
    return out;
}

net_graph build_net_graph(const json& spec, size_t classes, size_t L, bool training_ops)
{
    if (!spec.is_object() || !spec.contains("arch") || !spec["arch"].is_string())
        bad_spec("must be a JSON object with an 'arch'");
    if (classes < 2 || classes > (size_t(1) << 20) || L < 8 || L > (size_t(1) << 24))
        throw input_error("model: " + std::to_string(classes) +
                          " classes and frames of " + std::to_string(L) +
                          " samples cannot be a classifier");
    net_graph g;
    g.arch = spec["arch"];
    g.input_shape = { 2, int64_t(L) };
    graph_builder b(g, training_ops);
    b.scale("input_gain");
    try {
        find_arch(ARCHITECTURES, g.arch, "model spec: unknown arch '" + g.arch + "'")(
            b, spec, L);
    } catch (const json::exception& e) {
        bad_spec(e.what());
    }
    if (b.shape.size() != 1)
        bad_spec("the network does not end in a feature vector");
    b.linear("head", int64_t(classes));
    g.output = b.cur;
    return g;
}

} // namespace model
} // namespace amrcompress
} // namespace gr
