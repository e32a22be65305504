/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each architecture's graph, in the order and with the tensor names of the
 * TorchScript code lib/model/torch_model.cc generates from the same spec
 * (tests/test_native_engine.cc holds the two against each other: every
 * tensor, every output).
 */
#include "arch_table.h"
#include "model_specs.h"
#include "net_graph.h"
#include <gnuradio/amrcompress/error.h>

namespace gr {
namespace amrcompress {
namespace model {

using json = nlohmann::json;

namespace {

[[noreturn]] void bad_spec(const std::string& what)
{
    throw input_error("model spec: " + what);
}

//! Appends ops with fresh activation names; tracks the current activation.
class graph_builder
{
public:
    explicit graph_builder(net_graph& g) : g(g), cur(g.input), shape(g.input_shape) {}

    net_graph& g;
    std::string cur;
    act_shape shape;

    std::string fresh() { return "t" + std::to_string(n++); }

    net_op& push(net_op op, const act_shape& out)
    {
        op.out_shape = out;
        if (op.src.empty())
            op.src = cur;
        op.dst = fresh();
        cur = op.dst;
        shape = out;
        g.ops.push_back(std::move(op));
        return g.ops.back();
    }

    void tensor(const std::string& name, std::vector<int64_t> shape)
    {
        g.tensors.emplace_back(name, std::move(shape));
    }

    void scale(const std::string& t)
    {
        net_op op{ net_op::scale };
        op.weight = t;
        tensor(t, {});
        push(op, shape);
    }

    void unsqueeze()
    {
        act_shape s = { 1 };
        s.insert(s.end(), shape.begin(), shape.end());
        push({ net_op::unsqueeze }, s);
    }

    void squeeze_rows()
    {
        if (shape.size() != 3 || shape[1] != 1)
            bad_spec("only a single row can be squeezed away");
        push({ net_op::squeeze }, { shape[0], shape[2] });
    }

    //! 1-D (kernel {k}) or 2-D (kernel {kh, kw}) convolution of `cur`.
    void conv(const std::string& n,
              int64_t out,
              std::vector<int64_t> k,
              std::vector<int64_t> stride,
              std::vector<int64_t> pad,
              bool bias)
    {
        const size_t sd = k.size();
        if (shape.size() != sd + 1)
            bad_spec("convolution '" + n + "' does not fit its input's rank");
        net_op op{ net_op::conv };
        op.in = shape[0];
        op.out = out;
        op.weight = n + "_w";
        std::vector<int64_t> wshape = { out, op.in };
        wshape.insert(wshape.end(), k.begin(), k.end());
        tensor(op.weight, wshape);
        if (bias) {
            op.bias = n + "_b";
            tensor(op.bias, { out });
        }
        act_shape o = { out };
        for (size_t d = 0; d < sd; d++) {
            const int64_t len = shape[1 + d] + 2 * pad[d] - k[d];
            if (len < 0)
                throw input_error("the frame length is too short for convolution '" + n +
                                  "'");
            o.push_back(len / stride[d] + 1);
        }
        op.kernel = std::move(k);
        op.stride = std::move(stride);
        op.pad = std::move(pad);
        push(op, o);
    }

    void batch_norm(const std::string& n)
    {
        net_op op{ net_op::batch_norm };
        op.weight = n + "_g";
        op.bias = n + "_b";
        op.mean = n + "_rm";
        op.var = n + "_rv";
        for (const auto* t : { &op.weight, &op.bias, &op.mean, &op.var })
            tensor(*t, { shape[0] });
        push(op, shape);
    }

    void relu() { push({ net_op::relu }, shape); }

    void add_relu(const std::string& other)
    {
        net_op op{ net_op::add_relu };
        op.src2 = other;
        push(op, shape);
    }

    void max_pool(int64_t k)
    {
        net_op op{ net_op::max_pool };
        act_shape o = { shape[0] };
        for (size_t d = 1; d < shape.size(); d++) {
            op.kernel.push_back(k);
            op.stride.push_back(k);
            o.push_back(shape[d] / k);
        }
        push(op, o);
    }

    void linear(const std::string& n, int64_t out)
    {
        int64_t in = 1;
        for (auto d : shape)
            in *= d;
        net_op op{ net_op::linear };
        op.in = in;
        op.out = out;
        op.weight = n + "_w";
        op.bias = n + "_b";
        tensor(op.weight, { out, in });
        tensor(op.bias, { out });
        push(op, { out });
    }

    void flatten()
    {
        int64_t in = 1;
        for (auto d : shape)
            in *= d;
        push({ net_op::flatten }, { in });
    }

private:
    int n = 0;
};

void graph_cnn1d(graph_builder& b, const json& s, size_t L)
{
    const int k = spec_int(s, "kernel"), ek = spec_int(s, "entry_kernel");
    if (k % 2 == 0 || ek % 2 == 0)
        bad_spec("cnn1d kernels must be odd (same-length convolutions)");
    if (!s.contains("stacks") || !s["stacks"].is_array() || s["stacks"].empty())
        bad_spec("cnn1d needs a non-empty 'stacks' list");
    const size_t n_stacks = s["stacks"].size();
    if (n_stacks >= 20 || L % (size_t(1) << n_stacks) != 0)
        throw input_error("frame length " + std::to_string(L) + " does not fit cnn1d: " +
                          std::to_string(n_stacks) + " max-pool stages");
    const bool bias = spec_bool(s, "bias", true);
    for (size_t i = 0; i < n_stacks; i++) {
        const json& st = s["stacks"][i];
        const int ch = spec_int(st, "channels");
        const std::string p = "s" + std::to_string(i);
        const auto units = spec_int_list(st, "units");
        if (cnn1d_stack_is_2d(st, i)) { // over the I/Q plane: lib/model/torch_model.cc
            b.unsqueeze();
            b.conv(p + "_entry", ch, { 1, ek }, { 1, 1 }, { 0, ek / 2 }, bias);
            for (size_t u = 0; u < units.size(); u++) {
                const std::string q = p + "_u" + std::to_string(u);
                const std::string r = b.cur;
                b.conv(q + "_c1", units[u], { 2, k }, { 1, 1 }, { 1, k / 2 }, bias);
                b.relu();
                b.conv(q + "_c2", ch, { 2, k }, { 1, 1 }, { 0, k / 2 }, bias);
                b.add_relu(r);
            }
            b.max_pool(2);
            b.squeeze_rows();
            continue;
        }
        b.conv(p + "_entry", ch, { ek }, { 1 }, { ek / 2 }, bias); // linear entry conv
        for (size_t u = 0; u < units.size(); u++) {
            const std::string q = p + "_u" + std::to_string(u);
            const std::string r = b.cur;
            b.conv(q + "_c1", units[u], { k }, { 1 }, { k / 2 }, bias);
            b.relu();
            b.conv(q + "_c2", ch, { k }, { 1 }, { k / 2 }, bias);
            b.add_relu(r);
        }
        b.max_pool(2);
    }
    b.flatten();
    b.linear("fc1", spec_int(s, "hidden"));
    if (spec_bool(s, "head_relu", true))
        b.relu(); // dropout: identity in inference
}

void graph_resnet(graph_builder& b, const json& s, size_t)
{
    const int stem = spec_int(s, "stem");
    if (!s.contains("stages") || !s["stages"].is_array() || s["stages"].empty())
        bad_spec("resnet needs a non-empty 'stages' list");
    b.unsqueeze();
    b.conv("stem", stem, { 3, 3 }, { 1, 1 }, { 1, 1 }, false);
    b.batch_norm("stem_bn");
    b.relu();
    for (size_t si = 0; si < s["stages"].size(); si++) {
        const json& st = s["stages"][si];
        const int ch = spec_int(st, "channels"), stride = spec_int(st, "stride");
        if (stride > 2)
            bad_spec("resnet stage stride must be 1 or 2");
        const auto blocks = spec_int_list(st, "blocks");
        if (blocks.empty())
            bad_spec("every resnet stage needs at least one block");
        for (size_t bi = 0; bi < blocks.size(); bi++) {
            const std::string p = "l" + std::to_string(si) + "_b" + std::to_string(bi);
            const int64_t sb = bi == 0 ? stride : 1;
            // Parameter-free shortcut (option A): subsample, then zero-pad
            // or cut channels to the block's width. Emitted first (it reads
            // only the block's input) so that the sum follows the last conv.
            const std::string x = b.cur;
            const act_shape xs = b.shape;
            if (sb != 1) {
                net_op op{ net_op::subsample };
                op.stride = { sb, sb };
                b.push(op, { xs[0], (xs[1] - 1) / sb + 1, (xs[2] - 1) / sb + 1 });
            }
            if (ch != xs[0]) {
                net_op op{ net_op::pad_channels };
                op.in = xs[0];
                op.out = ch;
                b.push(op, { ch, b.shape[1], b.shape[2] });
            }
            const std::string sc = b.cur;
            const act_shape ss = b.shape;
            b.cur = x;
            b.shape = xs;
            b.conv(p + "_c1", blocks[bi], { 3, 3 }, { sb, sb }, { 1, 1 }, false);
            b.batch_norm(p + "_bn1");
            b.relu();
            b.conv(p + "_c2", ch, { 3, 3 }, { 1, 1 }, { 1, 1 }, false);
            b.batch_norm(p + "_bn2");
            if (b.shape != ss)
                bad_spec("resnet block '" + p +
                         "': the shortcut does not match the block's output");
            b.add_relu(sc);
        }
    }
    net_op avg{ net_op::global_avg };
    b.push(avg, { b.shape[0] });
}

void graph_cnn2d(graph_builder& b, const json& s, size_t)
{
    if (!s.contains("convs") || !s["convs"].is_array() || s["convs"].empty())
        bad_spec("cnn2d needs a non-empty 'convs' list");
    b.unsqueeze();
    for (size_t i = 0; i < s["convs"].size(); i++) {
        const json& c = s["convs"][i];
        const auto k = spec_int_list(c, "kernel");
        if (k.size() != 2)
            bad_spec("cnn2d kernel must be [h, w]");
        std::vector<int64_t> pad = { 0, 0 };
        if (c.contains("pad")) {
            if (!c["pad"].is_array() || c["pad"].size() != 2 ||
                !c["pad"][0].is_number_integer() || !c["pad"][1].is_number_integer())
                bad_spec("cnn2d pad must be [h, w] >= 0");
            pad = { c["pad"][0].get<int64_t>(), c["pad"][1].get<int64_t>() };
            if (pad[0] < 0 || pad[1] < 0)
                bad_spec("cnn2d pad must be [h, w] >= 0");
        }
        b.conv("c" + std::to_string(i),
               spec_int(c, "channels"),
               { k[0], k[1] },
               { 1, 1 },
               pad,
               true);
        b.relu(); // dropout: identity in inference
    }
    b.flatten();
    b.linear("fc1", spec_int(s, "hidden"));
    b.relu();
}

//! No native kernel: the engine falls back to LibTorch (lib/deploy/open_backend.cc).
void graph_lstm(graph_builder& b, const json& s, size_t)
{
    b.push({ net_op::lstm }, { spec_int(s, "hidden") });
}

using arch_fn = void (*)(graph_builder&, const json&, size_t);

//! The graph builder of a line of architectures.def.
arch_fn arch_graph(const std::string& arch)
{
    static const std::pair<const char*, arch_fn> table[] = {
#define AMR_ARCH(name, ...) { #name, graph_##name },
#include "architectures.def"
#undef AMR_ARCH
    };
    return find_arch(table, arch, "model spec: unknown arch '" + arch + "'");
}

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

net_graph build_net_graph(const json& spec, size_t classes, size_t L)
{
    if (!spec.is_object() || !spec.contains("arch") || !spec["arch"].is_string())
        bad_spec("must be a JSON object with an 'arch'");
    if (classes < 2 || L < 8 || L > (size_t(1) << 24))
        throw input_error("model: " + std::to_string(classes) +
                          " classes and frames of " + std::to_string(L) +
                          " samples cannot be a classifier");
    net_graph g;
    g.arch = spec["arch"];
    g.input_shape = { 2, int64_t(L) };
    graph_builder b(g);
    b.scale("input_gain");
    try {
        arch_graph(g.arch)(b, spec, L);
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
