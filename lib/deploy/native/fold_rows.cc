/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fold_rows.h"
#include <gnuradio/amrcompress/error.h>

namespace gr {
namespace amrcompress {
namespace deploy {

using model::act_shape;
using model::net_op;

namespace {

std::string shape_str(const std::vector<int64_t>& s)
{
    std::string o = "[";
    for (size_t i = 0; i < s.size(); i++)
        o += (i ? ", " : "") + std::to_string(s[i]);
    return o + "]";
}

constexpr int64_t MAX_ROWS = 8;

//! Builds the folded network op by op; fails (returns false) where a 2-D op
//! does not fold.
class folder
{
public:
    folder(const model::net_graph& g, const tensor_map& w) : g(g), w(w)
    {
        for (const auto& t : g.tensors)
            declared[t.first] = t.second;
        f.graph.arch = g.arch;
        f.graph.input = g.input;
        f.graph.output = g.output;
        f.graph.input_shape = g.input_shape;
    }

    bool fold()
    {
        for (const auto& op : g.ops)
            if (!fold_op(op))
                return false;
        return true;
    }

    folded_network f;

private:
    const model::net_graph& g;
    const tensor_map& w;
    std::map<std::string, std::vector<int64_t>> declared;
    std::map<std::string, std::string> viewed; // dropped view -> what it views

    std::string src_of(const std::string& a) const
    {
        auto it = viewed.find(a);
        return it == viewed.end() ? a : it->second;
    }

    static act_shape flat(const act_shape& s)
    {
        return s.size() == 3 ? act_shape{ s[0] * s[1], s[2] } : s;
    }

    void keep(const std::string& name)
    {
        if (name.empty() || f.weights.count(name))
            return;
        f.weights[name] = checked_tensor(w, name, declared.at(name));
        f.graph.tensors.push_back({ name, declared.at(name) });
    }

    void add(const std::string& name, std::vector<int64_t> shape, std::vector<float> data)
    {
        f.graph.tensors.push_back({ name, shape });
        f.weights[name] = archive_tensor{ std::move(shape), std::move(data) };
    }

    //! Each of a per-channel tensor's C values repeated `rows` times.
    void repeat(const std::string& name, int64_t C, int64_t rows)
    {
        const auto& t = checked_tensor(w, name, { C });
        std::vector<float> r(size_t(C * rows));
        for (int64_t c = 0; c < C; c++)
            for (int64_t h = 0; h < rows; h++)
                r[size_t(c * rows + h)] = t.data[size_t(c)];
        add(name + "@fold", { C * rows }, std::move(r));
    }

    bool fold_op(const net_op& op0)
    {
        net_op op = op0;
        op.src = src_of(op0.src);
        if (!op0.src2.empty())
            op.src2 = src_of(op0.src2);
        const act_shape& in = g.shape_of(op0.src);
        const bool rows_in = in.size() == 3;
        if ((rows_in && in[1] > MAX_ROWS) ||
            (op0.out_shape.size() == 3 && op0.out_shape[1] > MAX_ROWS))
            return false;
        op.out_shape = flat(op0.out_shape);
        switch (op0.kind) {
        case net_op::unsqueeze: // [2, L] is [1 * 2, L] already
        case net_op::squeeze:   // [C, 1, W] is [C * 1, W]
            viewed[op0.dst] = op.src;
            return true;
        case net_op::conv:
            if (rows_in)
                return fold_conv(op0, in, op);
            keep(op.weight);
            keep(op.bias);
            break;
        case net_op::batch_norm:
            if (rows_in) {
                for (auto* name : { &op.weight, &op.bias, &op.mean, &op.var }) {
                    repeat(*name, in[0], in[1]);
                    *name += "@fold";
                }
                break;
            }
            for (const auto* name : { &op.weight, &op.bias, &op.mean, &op.var })
                keep(*name);
            break;
        case net_op::max_pool:
            if (rows_in) { // pooling across rows is not a 1-D pooling
                if (op0.kernel[0] != 1 || op0.stride[0] != 1 ||
                    (!op0.pad.empty() && op0.pad[0] != 0))
                    return false;
                op.kernel = { op0.kernel[1] };
                op.stride = { op0.stride[1] };
                if (!op0.pad.empty())
                    op.pad = { op0.pad[1] };
            }
            break;
        case net_op::subsample:
            if (rows_in) {
                if (op0.stride[0] != 1 && in[1] > 1)
                    return select_rows(op0, in, op);
                op.stride = { op0.stride[1] };
            }
            break;
        case net_op::pad_channels:
            if (rows_in) {
                op.in *= in[1];
                op.out *= in[1];
            }
            break;
        case net_op::global_avg: // an average across rows is not a 1-D one
            if (rows_in && in[1] != 1)
                return false;
            break;
        case net_op::scale:
        case net_op::linear:
            keep(op.weight);
            keep(op.bias);
            break;
        case net_op::relu:
        case net_op::add_relu:
        case net_op::flatten: // [C, H, W] and [C * H, W] flatten alike
            break;
        case net_op::lstm:
        case net_op::s2m:
        case net_op::dropout:
        case net_op::gelu:
        case net_op::add:
        case net_op::channel_scale:
        case net_op::concat:
        case net_op::stft:
        case net_op::additive_attention:
            return false;
        }
        f.graph.ops.push_back(std::move(op));
        return true;
    }

    /*!
     * conv [O, I, kh, kw] over [I, H, W] -> [O, Ho, Wo] as a 1-D conv
     * [O * Ho, I * H, kw]: output row r reads input row h through kernel row
     * h + pad - r * stride. Refused when the folded taps (Ho * H per column)
     * exceed the ones inside the rows by a quarter.
     */
    bool fold_conv(const net_op& op0, const act_shape& in, net_op& op)
    {
        const int64_t O = op0.out, I = op0.in, H = in[1], Ho = op0.out_shape[1];
        const int64_t kh = op0.kernel[0], kw = op0.kernel[1];
        const int64_t sh = op0.stride[0], ph = op0.pad[0];
        int64_t real = 0;
        for (int64_t r = 0; r < Ho; r++)
            for (int64_t j = 0; j < kh; j++) {
                const int64_t h = r * sh - ph + j;
                real += h >= 0 && h < H;
            }
        if (4 * Ho * H > 5 * real)
            return false;
        const auto& wt = checked_tensor(w, op0.weight, { O, I, kh, kw });
        std::vector<float> fw(size_t(O * Ho * I * H * kw), 0.f);
        for (int64_t o = 0; o < O; o++)
            for (int64_t r = 0; r < Ho; r++)
                for (int64_t i = 0; i < I; i++)
                    for (int64_t h = 0; h < H; h++) {
                        const int64_t j = h + ph - r * sh;
                        if (j < 0 || j >= kh)
                            continue;
                        for (int64_t k = 0; k < kw; k++)
                            fw[size_t((((o * Ho + r) * I + i) * H + h) * kw + k)] =
                                wt.data[size_t(((o * I + i) * kh + j) * kw + k)];
                    }
        op.weight = op0.weight + "@fold";
        add(op.weight, { O * Ho, I * H, kw }, std::move(fw));
        if (!op0.bias.empty()) {
            repeat(op0.bias, O, Ho);
            op.bias = op0.bias + "@fold";
        }
        op.in = I * H;
        op.out = O * Ho;
        op.kernel = { kw };
        op.stride = { op0.stride[1] };
        op.pad = { op0.pad[1] };
        f.graph.ops.push_back(std::move(op));
        return true;
    }

    //! x[:, :, ::sh, ::sw] over [C, H, W]: every sh-th row is a choice of
    //! channels in the folded view, made by a 1x1 convolution of zeros and
    //! ones (exact), strided over the width.
    bool select_rows(const net_op& op0, const act_shape& in, net_op& op)
    {
        const int64_t C = in[0], H = in[1], Ho = op0.out_shape[1], sh = op0.stride[0];
        std::vector<float> sel(size_t(C * Ho * C * H), 0.f);
        for (int64_t c = 0; c < C; c++)
            for (int64_t r = 0; r < Ho; r++)
                sel[size_t((c * Ho + r) * C * H + c * H + r * sh)] = 1.f;
        op.kind = net_op::conv;
        op.weight = op0.dst + "@select";
        op.bias.clear();
        add(op.weight, { C * Ho, C * H, 1 }, std::move(sel));
        op.in = C * H;
        op.out = C * Ho;
        op.kernel = { 1 };
        op.stride = { op0.stride[1] };
        op.pad = { 0 };
        f.graph.ops.push_back(std::move(op));
        return true;
    }
};

} // namespace

const archive_tensor& checked_tensor(const tensor_map& weights,
                                     const std::string& name,
                                     const std::vector<int64_t>& shape)
{
    auto it = weights.find(name);
    if (it == weights.end())
        throw input_error("the model file has no tensor '" + name +
                          "' that its spec needs");
    if (it->second.shape != shape)
        throw input_error("tensor '" + name + "' is " + shape_str(it->second.shape) +
                          " in the model file; its spec needs " + shape_str(shape));
    return it->second;
}

std::optional<folded_network> fold_rows(const model::net_graph& g,
                                        const tensor_map& weights)
{
    bool rows = false;
    for (const auto& op : g.ops)
        rows = rows || op.out_shape.size() == 3;
    if (!rows)
        return std::nullopt;
    folder f(g, weights);
    if (!f.fold())
        return std::nullopt;
    return std::move(f.f);
}

} // namespace deploy
} // namespace amrcompress
} // namespace gr
