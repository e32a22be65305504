/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "graph_builder.h"
#include <gnuradio/amrcompress/error.h>
#include <stdexcept>

namespace gr {
namespace amrcompress {
namespace model {

graph_builder::graph_builder(net_graph& g, bool training_ops)
    : g(g), cur(g.input), shape(g.input_shape), training_ops(training_ops)
{
}

net_op& graph_builder::push(net_op op, const act_shape& out)
{
    op.out_shape = out;
    if (op.src.empty())
        op.src = cur;
    op.dst = "t" + std::to_string(n++);
    op.layer = layer;
    cur = op.dst;
    shape = out;
    g.ops.push_back(std::move(op));
    return g.ops.back();
}

void graph_builder::tensor(const std::string& name, std::vector<int64_t> s)
{
    g.tensors.emplace_back(name, std::move(s));
}

void graph_builder::scale(const std::string& t)
{
    net_op op{ net_op::scale };
    op.weight = t;
    tensor(t, {});
    push(op, shape);
}

void graph_builder::unsqueeze()
{
    act_shape s = { 1 };
    s.insert(s.end(), shape.begin(), shape.end());
    push({ net_op::unsqueeze }, s);
}

void graph_builder::squeeze_rows()
{
    if (shape.size() != 3 || shape[1] != 1)
        bad_spec("only a single row can be squeezed away");
    push({ net_op::squeeze }, { shape[0], shape[2] });
}

void graph_builder::conv(const std::string& name,
                         int64_t out,
                         std::vector<int64_t> k,
                         std::vector<int64_t> stride,
                         std::vector<int64_t> pad,
                         bool bias,
                         const std::string& width_pointer,
                         int64_t groups)
{
    const size_t sd = k.size();
    if (shape.size() != sd + 1 || stride.size() != sd || pad.size() != sd)
        bad_spec("convolution '" + name + "' does not fit its input's rank");
    if (groups < 1 || shape[0] % groups != 0 || out % groups != 0)
        bad_spec("convolution '" + name + "': groups must divide its channels");
    net_op op{ net_op::conv };
    op.in = shape[0];
    op.out = out;
    op.groups = groups;
    op.weight = name + "_w";
    op.width_pointer = width_pointer;
    std::vector<int64_t> wshape = { out, op.in / groups };
    wshape.insert(wshape.end(), k.begin(), k.end());
    tensor(op.weight, wshape);
    if (bias) {
        op.bias = name + "_b";
        tensor(op.bias, { out });
    }
    act_shape o = { out };
    for (size_t d = 0; d < sd; d++) {
        const int64_t len = shape[1 + d] + 2 * pad[d] - k[d];
        if (len < 0 || stride[d] < 1)
            throw input_error("the frame length is too short for convolution '" + name +
                              "'");
        o.push_back(len / stride[d] + 1);
    }
    op.kernel = std::move(k);
    op.stride = std::move(stride);
    op.pad = std::move(pad);
    push(op, o);
}

void graph_builder::batch_norm(const std::string& name)
{
    net_op op{ net_op::batch_norm };
    op.weight = name + "_g";
    op.bias = name + "_b";
    op.mean = name + "_rm";
    op.var = name + "_rv";
    for (const auto* t : { &op.weight, &op.bias, &op.mean, &op.var })
        tensor(*t, { shape[0] });
    push(op, shape);
}

void graph_builder::relu() { push({ net_op::relu }, shape); }

void graph_builder::gelu() { push({ net_op::gelu }, shape); }

void graph_builder::residual(net_op::kind_t kind, const std::string& other)
{
    if (g.shape_of(other) != shape)
        bad_spec("a residual sum of activations of different shapes");
    net_op op{ kind };
    op.src2 = other;
    push(op, shape);
}

void graph_builder::add(const std::string& other) { residual(net_op::add, other); }

void graph_builder::channel_scale(const std::string& name)
{
    net_op op{ net_op::channel_scale };
    op.weight = name;
    tensor(name, { shape[0], 1 });
    push(op, shape);
}

void graph_builder::concat(const std::string& other)
{
    act_shape o = g.shape_of(other);
    if (o.size() != shape.size() ||
        !std::equal(o.begin() + 1, o.end(), shape.begin() + 1))
        bad_spec("concatenated activations must agree in every dimension but channels");
    net_op op{ net_op::concat };
    op.src2 = other;
    o[0] += shape[0];
    push(op, o);
}

void graph_builder::stft(int64_t window, int64_t nfft, int64_t bins)
{
    if (shape.size() != 2 || shape[0] != 2 || window < 3 || window % 2 == 0 ||
        nfft < window || nfft > 4096 || bins < 1 || bins > nfft / 2 + 1)
        bad_spec("stft needs the [2, L] frame, an odd window, nfft >= window and "
                 "bins <= nfft / 2 + 1");
    net_op op{ net_op::stft };
    op.weight = "stft_window";
    op.kernel = { window };
    op.stride = { nfft };
    op.out = bins;
    tensor(op.weight, { window });
    push(op, { 1, bins, shape[1] });
}

void graph_builder::additive_attention(const std::string& name, int64_t token)
{
    if (shape.size() != 2)
        bad_spec("attention reads [C, T] tokens");
    const int64_t c = shape[0];
    net_op op{ net_op::additive_attention };
    op.weight = name;
    op.in = c;
    op.out = token;
    for (const char* t : { "_q", "_k" }) {
        tensor(name + t + "_w", { token, c });
        tensor(name + t + "_b", { token });
    }
    tensor(name + "_wg", { token, 1 });
    tensor(name + "_proj_w", { token, token });
    tensor(name + "_proj_b", { token });
    tensor(name + "_final_w", { c, token });
    tensor(name + "_final_b", { c });
    push(op, shape);
}

void graph_builder::add_relu(const std::string& other)
{
    residual(net_op::add_relu, other);
}

void graph_builder::max_pool(int64_t k, int64_t stride, int64_t pad)
{
    if (stride == 0)
        stride = k;
    if (k < 1 || stride < 1 || pad < 0 || 2 * pad > k)
        bad_spec("a max pool needs kernel >= 1, stride >= 1, padding <= kernel / 2");
    net_op op{ net_op::max_pool };
    act_shape o = { shape[0] };
    for (size_t d = 1; d < shape.size(); d++) {
        if (shape[d] + 2 * pad < k)
            throw input_error("the frame length is too short for a max pool");
        op.kernel.push_back(k);
        op.stride.push_back(stride);
        if (pad > 0)
            op.pad.push_back(pad);
        o.push_back((shape[d] + 2 * pad - k) / stride + 1);
    }
    push(op, o);
}

void graph_builder::subsample(int64_t s)
{
    net_op op{ net_op::subsample };
    act_shape o = { shape[0] };
    for (size_t d = 1; d < shape.size(); d++) {
        op.stride.push_back(s);
        o.push_back((shape[d] - 1) / s + 1);
    }
    push(op, o);
}

void graph_builder::pad_channels(int64_t out)
{
    net_op op{ net_op::pad_channels };
    op.in = shape[0];
    op.out = out;
    act_shape o = shape;
    o[0] = out;
    push(op, o);
}

void graph_builder::global_avg() { push({ net_op::global_avg }, { shape[0] }); }

void graph_builder::flatten()
{
    int64_t in = 1;
    for (auto d : shape)
        in *= d;
    push({ net_op::flatten }, { in });
}

void graph_builder::linear(const std::string& name, int64_t out)
{
    if (shape.size() != 1)
        bad_spec("linear layer '" + name + "' needs a feature vector");
    net_op op{ net_op::linear };
    op.in = shape[0];
    op.out = out;
    op.weight = name + "_w";
    op.bias = name + "_b";
    tensor(op.weight, { out, op.in });
    tensor(op.bias, { out });
    push(op, { out });
}

void graph_builder::dropout(double rate)
{
    if (!(rate >= 0 && rate < 1))
        bad_spec("dropout must be in [0, 1)");
    if (!training_ops)
        return;
    net_op op{ net_op::dropout };
    op.rate = rate;
    push(op, shape);
}

void graph_builder::lstm(int64_t hidden,
                         int64_t layers,
                         const std::string& mode,
                         const std::string& name,
                         bool bidirectional,
                         double dropout)
{
    const bool seq = mode == "seq";
    if (mode != "ap" && mode != "iq" && !seq)
        bad_spec("lstm 'input' must be 'ap' or 'iq'");
    if (shape.size() != 2)
        bad_spec("an lstm reads [C, T]");
    net_op op{ net_op::lstm };
    op.in = shape[0];
    op.out = hidden;
    op.layers = layers;
    op.mode = mode;
    op.weight = name;
    op.bidirectional = bidirectional;
    op.rate = dropout;
    if (!(dropout >= 0 && dropout < 1))
        bad_spec("lstm dropout must be in [0, 1)");
    const int64_t dirs = bidirectional ? 2 : 1;
    int64_t in = op.in;
    for (int64_t l = 0; l < layers; l++) {
        for (int64_t d = 0; d < dirs; d++) {
            const std::string p = name + std::to_string(l), r = d ? "_rev" : "";
            tensor(p + "_wih" + r, { 4 * hidden, in });
            tensor(p + "_whh" + r, { 4 * hidden, hidden });
            tensor(p + "_bih" + r, { 4 * hidden });
            tensor(p + "_bhh" + r, { 4 * hidden });
        }
        in = dirs * hidden;
    }
    push(op, seq ? act_shape{ dirs * hidden, shape[1] } : act_shape{ hidden });
}

void graph_builder::s2m(const std::string& name, int64_t k)
{
    if (shape != act_shape{ 2, shape.back() } || k < 1 || k % 2 == 0 || k > 15)
        bad_spec(
            "the S2M front end reads [2, L] frames with an odd filter size up to 15");
    net_op op{ net_op::s2m };
    op.weight = name + "_w";
    op.kernel = { k, k };
    tensor(op.weight, { 1, 2, k, k });
    const int64_t L = shape[1];
    push(op, { 2, L, L });
}

void graph_builder::tap(const std::string& name)
{
    if (g.ops.empty() || g.ops.back().dst != cur || !g.ops.back().tap.empty())
        throw std::logic_error("graph_builder: tap '" + name +
                               "' needs an op of its own");
    g.ops.back().tap = name;
}

void graph_builder::begin_layer(const std::string& name,
                                const std::string& list_pointer,
                                size_t index)
{
    if (!layer.empty())
        throw std::logic_error("graph_builder: layers do not nest");
    layer = name;
    g.layers.push_back({ name, cur, "", list_pointer, index });
}

void graph_builder::end_layer()
{
    tap(layer);
    g.layers.back().dst = cur;
    layer.clear();
}

} // namespace model
} // namespace amrcompress
} // namespace gr
