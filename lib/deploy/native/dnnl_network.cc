/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Compiling a net_graph into oneDNN 2.x primitives.
 *
 * A "unit" is a convolution or linear layer with what follows it fused in:
 * BatchNorm (folded into weights and bias), ReLU (a post-op) or a residual
 * sum then ReLU (sum post-op: the layer writes into the residual's buffer).
 * The model's input gain is folded into the first layer's weights. Pooling,
 * the option-A shortcut (subsample = 1x1 max pool with stride; zero channels
 * = concat with a zero tensor) and the global average are primitives of
 * their own.
 *
 * int8 (oneDNN 2.x semantics, real = q * step): the input and every unit's
 * output have a step from the calibrated range (max |v| / 127, or / 255 for
 * u8 after a ReLU); weights are s8 per output channel (step max |w_c| /
 * 127); a unit computes dst = os[c] * (acc + bias / (s_src * s_w[c])) with
 * os[c] = s_src * s_w[c] / s_dst, plus (s_res / s_dst) * residual. Pooling
 * and shortcuts keep their input's step.
 */
#include "dnnl_network.h"
#include <gnuradio/amrcompress/error.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <oneapi/dnnl/dnnl_debug.h>
#include <unordered_map>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <set>

namespace gr {
namespace amrcompress {
namespace deploy {

using namespace dnnl;
using dt = memory::data_type;
using tag = memory::format_tag;
using model::net_op;

namespace {

//! An activation: its layout and buffer, int8 step, and a gain still to fold.
struct act_info {
    memory::desc md;
    int buf = -1; // -1: the input buffer
    float step = 1.f;
    float gain = 1.f;
};

struct planned_arg {
    int arg;
    memory::desc md;
    int buf;    // >= 0: an activation buffer, -1: the input, -2: own memory
    memory mem; // own memory (weights, bias, zeros)
};

struct planned_step {
    primitive prim;
    std::vector<planned_arg> args;
    std::string observe; // activation to widen the range of (calibration)
    int obs_buf = -3;
    size_t obs_floats_per_frame = 0;
    std::unordered_map<int, memory> bound;
    std::string what; // the primitive's kind and oneDNN's kernel (profile())
    //! int8 max pool by 2 over channels-last rows (and by 2 x 2 over the
    //! two rows of a 2-D stack), done here instead of by a primitive: oneDNN
    //! 2.6's int8 pooling took longer than the convolution before it (FCOS
    //! CNN1D: 69 us of a 330 us batch for 32 x 128 x 16 bytes).
    struct pair_max {
        bool on = false, is_signed = false;
        int src = -1, dst = -1;
        size_t frames = 0, rows = 1, w_in = 0, channels = 0;
    } pool;
};

//! Max over pairs of positions (and over both rows when R = 2) of frames
//! stored channels last: [frames][R][w_in][C] -> [frames][w_out][C].
template <class T, size_t R>
void pairwise_max(const T* in, T* out, size_t frames, size_t w_in, size_t C)
{
    const size_t w_out = w_in / 2, row = w_in * C;
    for (size_t f = 0; f < frames; f++)
        for (size_t w = 0; w < w_out; w++) {
            const T* a = in + (f * R * w_in + 2 * w) * C;
            const T* b = a + C;
            T* o = out + (f * w_out + w) * C;
            for (size_t c = 0; c < C; c++) {
                T m = std::max(a[c], b[c]);
                for (size_t r = 1; r < R; r++)
                    m = std::max(m, std::max(a[r * row + c], b[r * row + c]));
                o[c] = m;
            }
        }
}

//! Activation buffers, handed out by liveness: a freed buffer is reused by
//! the next activation, growing it if needed (sizes are known only at the end).
struct buffer_pool {
    std::vector<size_t> bytes;
    std::vector<char> busy;
    int take(size_t n)
    {
        int best = -1;
        for (size_t i = 0; i < bytes.size(); i++)
            if (!busy[i] && (best < 0 || bytes[i] >= n))
                best = int(i);
        if (best < 0) {
            bytes.push_back(0);
            busy.push_back(0);
            best = int(bytes.size() - 1);
        }
        bytes[best] = std::max(bytes[best], n);
        busy[best] = 1;
        return best;
    }
    void release(int b)
    {
        if (b >= 0)
            busy[b] = 0;
    }
};

memory::dims to_dims(size_t batch, const model::act_shape& s)
{
    memory::dims d = { memory::dim(batch) };
    d.insert(d.end(), s.begin(), s.end());
    return d;
}

tag plain_tag(size_t ndims)
{
    switch (ndims) {
    case 1:
        return tag::a;
    case 2:
        return tag::ab;
    case 3:
        return tag::abc;
    case 4:
        return tag::abcd;
    default:
        return tag::abcde;
    }
}

memory::desc with_type(memory::desc md, dt t)
{
    md.data.data_type = memory::convert_to_c(t);
    return md;
}

} // namespace

struct dnnl_network::impl {
    engine eng{ engine::kind::cpu, 0 };
    stream strm{ eng };
    size_t B = 0, C = 0, frame_floats = 0;
    bool rows_folded = false;
    precision prec = precision::fp32;
    const int8_calibration* cal = nullptr;
    const model::net_graph* g = nullptr;
    const tensor_map* w = nullptr;

    std::unordered_map<std::string, act_info> acts;
    std::unordered_map<std::string, std::string>
        root;                                     // alias -> activation owning the buffer
    std::unordered_map<std::string, int> readers; // per root: reads still to come
    buffer_pool pool;
    std::vector<planned_step> steps;
    std::set<std::string> impls;
    size_t scratch_bytes = 0;

    std::vector<float> input, logits;
    std::vector<std::vector<char>> buffers;
    //! When the first layer reads the frames as [B, L, 2] (I, Q interleaved)
    //! or [B, 2, L], the copy of the frames into the network writes them in
    //! that layout and type (and int8 step) at once, instead of a reorder.
    struct input_copy {
        bool on = false, interleave = false;
        dt type = dt::f32;
        float inv_step = 1.f;
        int buf = -1;
    } fast_in;
    float input_step = 1.f; // int8: the frames' quantisation step
    std::vector<char> scratch;
    memory scratch_mem;

    // ---- helpers -----------------------------------------------------------

    dt act_type(bool after_relu) const
    {
        switch (prec) {
        case precision::fp32:
            return dt::f32;
        case precision::bf16:
            return dt::bf16;
        case precision::int8:
            return after_relu ? dt::u8 : dt::s8;
        }
        return dt::f32;
    }

    const archive_tensor& tensor(const std::string& name,
                                 const std::vector<int64_t>& shape) const
    {
        return checked_tensor(*w, name, shape);
    }

    std::string root_of(const std::string& a) const
    {
        auto it = root.find(a);
        return it == root.end() ? a : it->second;
    }

    float range_step(const std::string& a, dt t) const
    {
        auto it = cal->max_abs.find(a);
        if (it == cal->max_abs.end())
            throw input_error("int8: the calibration has no range for activation '" + a +
                              "' (quantise the model again: amr quantize)");
        const float m = it->second;
        if (!std::isfinite(m) || m < 0)
            throw input_error("int8: the calibrated range of '" + a + "' is not finite");
        return m > 0 ? m / (t == dt::u8 ? 255.f : 127.f) : 1.f;
    }

    //! The reads of `a` (through its aliases) that remain drop by one; the
    //! last frees its buffer.
    void used(const std::string& a)
    {
        const std::string r = root_of(a);
        if (--readers[r] == 0 && r != g->output)
            pool.release(acts.at(r).buf);
    }

    //! New activation `name` with layout md in a fresh buffer.
    act_info& produce(const std::string& name, const memory::desc& md, float step)
    {
        act_info& a = acts[name];
        a.md = md;
        a.step = step;
        a.buf = pool.take(md.get_size() ? md.get_size() : 1);
        return a;
    }

    primitive_attr scratch_attr() const
    {
        primitive_attr attr;
        attr.set_scratchpad_mode(scratchpad_mode::user);
        return attr;
    }

    std::string last_impl;

    void add_step(planned_step s)
    {
        if (s.pool.on) {
            s.what = "pooling pairwise max (native int8)";
            steps.push_back(std::move(s));
            return;
        }
        s.what =
            std::string(dnnl_prim_kind2str(dnnl_primitive_kind_t(s.prim.get_kind()))) +
            " " + last_impl;
        steps.push_back(std::move(s));
    }

    template <class PD>
    void note(const PD& pd)
    {
        scratch_bytes = std::max(scratch_bytes, pd.scratchpad_desc().get_size());
        impls.insert(pd.impl_info_str());
        last_impl = pd.impl_info_str();
    }

    planned_arg own(int arg, const memory& m) { return { arg, m.get_desc(), -2, m }; }
    planned_arg buf_arg(int arg, const memory::desc& md, int buf)
    {
        return { arg, md, buf, {} };
    }

    //! The activation `a` in layout `want` (a reorder, and the int8 input's
    //! quantisation, when it is not already so).
    struct layout {
        memory::desc md;
        int buf;
        bool temporary; // a reordered copy, free once its reader is planned
    };
    layout as_layout(const std::string& a, const memory::desc& want)
    {
        const act_info& src = acts.at(root_of(a));
        memory::desc have = acts.at(a).md;
        if (have == want)
            return { have, src.buf, false };
        primitive_attr attr = scratch_attr();
        const float st = acts.at(a).step;
        if (want.data_type() != have.data_type() && prec == precision::int8)
            attr.set_output_scales(0, { 1.f / st });
        auto pd = reorder::primitive_desc(eng, have, eng, want, attr);
        note(pd);
        const int out = pool.take(want.get_size());
        planned_step s{ reorder(pd),
                        { buf_arg(DNNL_ARG_FROM, have, src.buf),
                          buf_arg(DNNL_ARG_TO, want, out) } };
        add_step(std::move(s));
        return { want, out, true };
    }

    /*!
     * For each position of one frame's part of `md` (batch outermost), the
     * logical index of the element it holds in [C, ...] order, or -1 for
     * padding; empty when the layout is not frame-major. Found by
     * reordering a tensor of its own indices into the layout.
     */
    std::vector<int64_t> flat_columns(const memory::desc& md)
    {
        const memory::dims d = md.dims();
        size_t N = 1;
        for (size_t k = 1; k < d.size(); k++)
            N *= size_t(d[k]);
        if (B * N >= (size_t(1) << 24)) // float indices exact below 2^24
            return {};
        const memory::desc probe_md = with_type(md, dt::f32);
        const size_t phys = probe_md.get_size() / sizeof(float);
        if (phys % B)
            return {};
        const size_t P = phys / B;
        std::vector<float> logical(B * N), physical(phys, 0.f);
        for (size_t i = 0; i < B * N; i++)
            logical[i] = float(i + 1);
        memory::desc plain(d, dt::f32, plain_tag(d.size()));
        memory a(plain, eng, logical.data()), b(probe_md, eng, physical.data());
        reorder(a, b).execute(strm, a, b);
        strm.wait();
        std::vector<int64_t> cols(P, -2);
        for (size_t p = 0; p < phys; p++) {
            const int64_t v = int64_t(physical[p]) - 1;
            const int64_t c = v < 0 ? -1 : v % int64_t(N);
            if (v >= 0 && size_t(v) / N != p / P)
                return {}; // a frame's elements are not in its own block
            int64_t& slot = cols[p % P];
            if (slot != -2 && slot != c)
                return {};
            slot = c;
        }
        return cols;
    }

    memory weights_memory(const std::vector<float>& wf,
                          const memory::dims& dims,
                          const memory::desc& want,
                          const std::vector<float>& qscale)
    {
        memory::desc user(dims, dt::f32, plain_tag(dims.size()));
        memory src(user, eng, const_cast<float*>(wf.data()));
        memory dst(want, eng);
        primitive_attr attr;
        if (!qscale.empty())
            attr.set_output_scales(1, qscale); // per output channel (dim 0)
        reorder(reorder::primitive_desc(eng, user, eng, want, attr))
            .execute(strm, src, dst);
        strm.wait();
        return dst;
    }

    // ---- units -------------------------------------------------------------

    //! conv or linear at op i with what can be fused after it; returns the
    //! index of the last op it consumed.
    size_t unit(size_t i)
    {
        const auto& ops = g->ops;
        const net_op& op = ops[i];
        const bool is_conv = op.kind == net_op::conv;
        const act_info src_act = acts.at(op.src);

        // Weights (with the pending input gain and a following BatchNorm folded).
        std::vector<int64_t> wshape = { op.out, op.in };
        if (is_conv)
            wshape.insert(wshape.end(), op.kernel.begin(), op.kernel.end());
        const archive_tensor& wt = tensor(op.weight, wshape);
        std::vector<float> wf = wt.data, bias(op.out, 0.f);
        bool has_bias = !op.bias.empty();
        if (has_bias)
            bias = tensor(op.bias, { op.out }).data;
        if (src_act.gain != 1.f)
            for (auto& v : wf)
                v *= src_act.gain;
        const size_t per_out = wf.size() / op.out;

        size_t last = i;
        std::string cur = op.dst;
        auto next_reads_only = [&](net_op::kind_t k) {
            return last + 1 < ops.size() && ops[last + 1].kind == k &&
                   (ops[last + 1].src == cur || ops[last + 1].src2 == cur) &&
                   readers[root_of(cur)] == 1;
        };
        if (next_reads_only(net_op::batch_norm)) {
            const net_op& bn = ops[++last];
            const auto& gm = tensor(bn.weight, { op.out }).data;
            const auto& bt = tensor(bn.bias, { op.out }).data;
            const auto& mu = tensor(bn.mean, { op.out }).data;
            const auto& var = tensor(bn.var, { op.out }).data;
            for (int64_t c = 0; c < op.out; c++) {
                const float k = gm[c] / std::sqrt(var[c] + float(bn.eps));
                for (size_t j = 0; j < per_out; j++)
                    wf[c * per_out + j] *= k;
                bias[c] = (bias[c] - mu[c]) * k + bt[c];
            }
            has_bias = true;
            cur = bn.dst;
        }
        bool relu = false;
        std::string residual;
        if (next_reads_only(net_op::relu)) {
            relu = true;
            cur = ops[++last].dst;
        } else if (next_reads_only(net_op::add_relu)) {
            const net_op& add = ops[++last];
            residual = add.src == cur ? add.src2 : add.src;
            relu = true;
            cur = add.dst;
        }
        for (size_t k = i + 1; k <= last; k++)
            readers[root_of(ops[k - 1].dst)]--; // the fused ops' reads of each other
        const bool is_head = cur == g->output;

        // A linear layer after a flatten reads its input as the rows of a
        // matrix in the input's own layout (a plain GEMM: oneDNN's int8
        // inner product on a blocked 3-D input runs ~10x slower), with its
        // weight columns permuted to that layout once, here.
        std::string src_name = op.src;
        if (!is_conv && src_act.md.dims().size() > 2) {
            const auto cols = flat_columns(src_act.md);
            if (!cols.empty()) {
                const size_t P = cols.size(), N = size_t(op.in);
                std::vector<float> perm(size_t(op.out) * P, 0.f);
                for (int64_t o = 0; o < op.out; o++)
                    for (size_t p = 0; p < P; p++)
                        if (cols[p] >= 0)
                            perm[o * P + p] = wf[o * N + size_t(cols[p])];
                wf.swap(perm);
                src_name = op.src + "#rows";
                act_info rows = src_act;
                rows.md = memory::desc(
                    { memory::dim(B), memory::dim(P) }, src_act.md.data_type(), tag::ab);
                acts[src_name] = rows;
                root[src_name] = root_of(op.src);
            }
        }
        const act_info& in_act = acts.at(src_name);
        const size_t per_in = wf.size() / op.out;

        // Layouts.
        const dt out_t = is_head ? dt::f32 : act_type(relu);
        const dt w_t = prec == precision::fp32
                           ? dt::f32
                           : (prec == precision::bf16 ? dt::bf16 : dt::s8);
        memory::dims wdims = { op.out };
        const memory::dims src_dims = in_act.md.dims();
        if (is_conv)
            wdims.insert(wdims.end(), wshape.begin() + 1, wshape.end());
        else // a linear layer reads its (unflattened) input as it is laid out
            wdims.insert(wdims.end(), src_dims.begin() + 1, src_dims.end());
        int64_t n_in = 1;
        for (size_t k = 1; k < wdims.size(); k++)
            n_in *= wdims[k];
        if (!is_conv && src_name == op.src && n_in != op.in)
            throw unsupported_model("linear layer '" + op.weight +
                                    "' does not fit its input");
        const bool from_input = root_of(op.src) == g->input;
        memory::desc src_md =
            from_input ? memory::desc(src_dims, act_type(false), tag::any) : in_act.md;
        memory::desc w_md(wdims, w_t, tag::any);
        memory::desc b_md({ op.out }, dt::f32, tag::a);
        memory::desc dst_md;
        const memory::dims dst_dims = to_dims(B, ops[last].out_shape);
        if (!residual.empty()) {
            const act_info& r = acts.at(residual);
            if (r.md.dims() != dst_dims)
                throw unsupported_model("residual '" + residual +
                                        "' does not match its sum");
            dst_md = with_type(r.md, out_t);
        } else if (is_head) {
            dst_md = memory::desc(dst_dims, dt::f32, tag::ab);
        } else {
            dst_md = memory::desc(dst_dims, out_t, tag::any);
        }

        // int8 steps and the per-channel scales.
        float s_src = 1.f, s_dst = 1.f;
        std::vector<float> qscale, oscale;
        if (prec == precision::int8) {
            s_src = from_input ? range_step(g->input, dt::s8) : in_act.step;
            if (!is_head)
                s_dst = range_step(cur, out_t);
            qscale.resize(op.out);
            oscale.resize(op.out);
            for (int64_t c = 0; c < op.out; c++) {
                float m = 0;
                for (size_t j = 0; j < per_in; j++)
                    m = std::max(m, std::fabs(wf[c * per_in + j]));
                const float s_w = m > 0 ? m / 127.f : 1.f;
                qscale[c] = 1.f / s_w;
                oscale[c] = s_src * s_w / s_dst;
                bias[c] /= s_src * s_w;
            }
        }

        primitive_attr attr = scratch_attr();
        post_ops po;
        if (!residual.empty()) {
            const act_info& r = acts.at(residual);
            const float sum_scale = prec == precision::int8 ? r.step / s_dst : 1.f;
            if (r.md.data_type() != out_t)
                po.append_sum(sum_scale, r.md.data_type());
            else
                po.append_sum(sum_scale);
        }
        if (relu)
            po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
        attr.set_post_ops(po);
        if (!oscale.empty())
            attr.set_output_scales(2, oscale); // per output channel (dim 1)

        primitive prim;
        memory::desc pd_src, pd_w, pd_dst;
        std::string unit_impl;
        try {
            if (is_conv) {
                memory::dims strides(op.stride.begin(), op.stride.end());
                memory::dims pad(op.pad.begin(), op.pad.end());
                auto desc = convolution_forward::desc(prop_kind::forward_inference,
                                                      algorithm::convolution_direct,
                                                      src_md,
                                                      w_md,
                                                      has_bias ? b_md : memory::desc(),
                                                      dst_md,
                                                      strides,
                                                      pad,
                                                      pad);
                auto pd = convolution_forward::primitive_desc(desc, attr, eng);
                note(pd);
                unit_impl = last_impl;
                prim = convolution_forward(pd);
                pd_src = pd.src_desc();
                pd_w = pd.weights_desc();
                pd_dst = pd.dst_desc();
            } else {
                auto desc = inner_product_forward::desc(
                    prop_kind::forward_inference, src_md, w_md, b_md, dst_md);
                auto pd = inner_product_forward::primitive_desc(desc, attr, eng);
                note(pd);
                unit_impl = last_impl;
                prim = inner_product_forward(pd);
                pd_src = pd.src_desc();
                pd_w = pd.weights_desc();
                pd_dst = pd.dst_desc();
            }
        } catch (const dnnl::error& e) {
            throw unsupported_model("oneDNN has no " + to_string(prec) +
                                    " kernel for layer '" + op.weight + "' here (" +
                                    e.what() + ")");
        }
        if (prec == precision::int8 && from_input)
            acts.at(op.src).step = input_step = s_src;
        const layout in = as_layout(src_name, pd_src);
        const memory::desc in_md = in.md;
        const int in_buf = in.buf;

        memory wm = weights_memory(wf, wdims, pd_w, qscale);
        planned_step s{
            prim, { buf_arg(DNNL_ARG_SRC, in_md, in_buf), own(DNNL_ARG_WEIGHTS, wm) }
        };
        if (has_bias || !is_conv) {
            memory bm(b_md, eng);
            std::memcpy(bm.get_data_handle(), bias.data(), bias.size() * sizeof(float));
            s.args.push_back(own(DNNL_ARG_BIAS, bm));
        }
        int out_buf;
        if (!residual.empty()) {
            // In place: the residual's buffer becomes this unit's output.
            const std::string r = root_of(residual);
            if (readers[r] != 1)
                throw unsupported_model("residual '" + residual +
                                        "' is read again later");
            out_buf = acts.at(r).buf;
            readers[r] = 0;
            act_info& a = acts[cur];
            a.md = pd_dst;
            a.buf = out_buf;
            a.step = s_dst;
        } else if (is_head) {
            out_buf = -4; // the logits buffer
            acts[cur].md = pd_dst;
            acts[cur].buf = -4;
        } else {
            out_buf = produce(cur, pd_dst, s_dst).buf;
        }
        s.args.push_back(buf_arg(DNNL_ARG_DST, pd_dst, out_buf));
        // Inputs are freed after the output is placed, so that they never share a buffer.
        used(op.src);
        if (in.temporary)
            pool.release(in.buf);
        if (!is_head) {
            s.observe = cur;
            s.obs_buf = out_buf;
        }
        last_impl = unit_impl + " " + op.weight;
        add_step(std::move(s));
        return last;
    }

    void
    pooling(const net_op& op, algorithm alg, memory::dims kernel, memory::dims stride)
    {
        const act_info& src = acts.at(op.src);
        memory::dims pad(kernel.size(), 0);
        if (op.kind == net_op::max_pool && !op.pad.empty())
            pad.assign(op.pad.begin(), op.pad.end()); // the padding never wins a max
        memory::dims out_dims = to_dims(B, op.out_shape);
        if (op.kind == net_op::global_avg) // [B, C, 1(, 1)]: the head reads it as it is
            out_dims.resize(src.md.dims().size(), 1);
        memory::desc dst_md(out_dims, src.md.data_type(), tag::any);
        const dt t = src.md.data_type();
        const memory::dims sd = src.md.dims();
        const bool by_two = kernel == memory::dims(kernel.size(), 2) &&
                            stride == kernel && pad == memory::dims(kernel.size(), 0);
        const bool rows_1d =
            kernel.size() == 1 && src.md == memory::desc(sd, t, tag::acb);
        const bool rows_2d = kernel.size() == 2 && sd[2] == 2 && // [B, C, 2, W], nhwc
                             src.md == memory::desc(sd, t, tag::acdb);
        if (prec == precision::int8 && alg == algorithm::pooling_max && by_two &&
            (rows_1d || rows_2d)) {
            const memory::desc out_md(out_dims, t, rows_2d ? tag::acdb : tag::acb);
            planned_step s;
            s.pool.on = true;
            s.pool.is_signed = t == dt::s8;
            s.pool.src = src.buf;
            s.pool.frames = B;
            s.pool.rows = rows_2d ? 2 : 1;
            s.pool.w_in = size_t(sd.back());
            s.pool.channels = size_t(sd[1]);
            const float step = src.step;
            s.pool.dst = produce(op.dst, out_md, step).buf;
            used(op.src);
            add_step(std::move(s));
            return;
        }
        primitive prim;
        memory::desc out_md;
        try {
            auto desc = pooling_forward::desc(prop_kind::forward_inference,
                                              alg,
                                              src.md,
                                              dst_md,
                                              stride,
                                              kernel,
                                              pad,
                                              pad);
            auto pd = pooling_forward::primitive_desc(desc, scratch_attr(), eng);
            note(pd);
            prim = pooling_forward(pd);
            out_md = pd.dst_desc();
        } catch (const dnnl::error& e) {
            auto str = [](const memory::dims& v) {
                std::string o;
                for (auto x : v)
                    o += (o.empty() ? "" : "x") + std::to_string(x);
                return o;
            };
            throw unsupported_model("oneDNN has no pooling kernel for " +
                                    str(src.md.dims()) + " -> " + str(out_dims) +
                                    " here (" + e.what() + ")");
        }
        const int in_buf = src.buf;
        const memory::desc in_md = src.md;
        const float step = src.step;
        const int out = produce(op.dst, out_md, step).buf;
        used(op.src);
        add_step({ prim,
                   { buf_arg(DNNL_ARG_SRC, in_md, in_buf),
                     buf_arg(DNNL_ARG_DST, out_md, out) } });
    }

    void pad_channels(const net_op& op)
    {
        const act_info src = acts.at(op.src);
        memory::dims d = src.md.dims();
        if (op.out < op.in) {
            // The first `out` channels: a view of a plain copy (a blocked
            // layout cannot be cut inside a block), reordered into the
            // layout the next layer chooses.
            memory::dims cut = d;
            cut[1] = op.out;
            const memory::desc plain(d, src.md.data_type(), plain_tag(d.size()));
            const memory::desc out_md(cut, src.md.data_type(), plain_tag(cut.size()));
            int from = src.buf;
            if (src.md != plain) {
                auto pd =
                    reorder::primitive_desc(eng, src.md, eng, plain, scratch_attr());
                note(pd);
                from = pool.take(plain.get_size());
                add_step({ reorder(pd),
                           { buf_arg(DNNL_ARG_FROM, src.md, src.buf),
                             buf_arg(DNNL_ARG_TO, plain, from) } });
            }
            const memory::desc view =
                plain.submemory_desc(cut, memory::dims(d.size(), 0));
            auto pd = reorder::primitive_desc(eng, view, eng, out_md, scratch_attr());
            note(pd);
            const int out = produce(op.dst, out_md, src.step).buf;
            add_step({ reorder(pd),
                       { buf_arg(DNNL_ARG_FROM, view, from),
                         buf_arg(DNNL_ARG_TO, out_md, out) } });
            used(op.src);
            if (from != src.buf)
                pool.release(from);
            return;
        }
        memory::dims zd = d;
        zd[1] = op.out - op.in;
        memory::desc zmd(zd, src.md.data_type(), plain_tag(zd.size()));
        memory zeros(zmd, eng);
        std::memset(zeros.get_data_handle(), 0, zmd.get_size());
        auto pd = concat::primitive_desc(1, { src.md, zmd }, eng, scratch_attr());
        note(pd);
        const int out = produce(op.dst, pd.dst_desc(), src.step).buf;
        used(op.src);
        add_step({ concat(pd),
                   { buf_arg(DNNL_ARG_MULTIPLE_SRC, src.md, src.buf),
                     own(DNNL_ARG_MULTIPLE_SRC + 1, zeros),
                     buf_arg(DNNL_ARG_DST, pd.dst_desc(), out) } });
    }

    void alias(const net_op& op, const memory::desc& md, float gain)
    {
        act_info a = acts.at(op.src);
        a.md = md;
        a.gain *= gain;
        acts[op.dst] = a;
        root[op.dst] = root_of(op.src);
    }

    void plan_input_copy()
    {
        if (steps.empty() || steps[0].args.size() != 2 || steps[0].args[0].buf != -1 ||
            steps[0].args[0].arg != DNNL_ARG_FROM)
            return;
        const memory::desc& to = steps[0].args[1].md;
        const memory::dims d = to.dims();
        const dt t = to.data_type();
        if (to.get_size() != B * frame_floats * memory::data_type_size(t))
            return; // padded (a blocked layout)
        bool interleave;
        if (d.size() == 3 && to == memory::desc(d, t, tag::acb))
            interleave = true; // [B, L, 2]
        else if (d.size() == 3 && to == memory::desc(d, t, tag::abc))
            interleave = false;
        else if (d.size() == 4 && d[1] == 1 &&
                 (to == memory::desc(d, t, tag::abcd) ||
                  to == memory::desc(d, t, tag::acdb)))
            interleave = false; // [B, 1, 2, L]: one channel, rows as given
        else
            return;
        fast_in.on = true;
        fast_in.interleave = interleave;
        fast_in.type = t;
        fast_in.inv_step = 1.f / input_step;
        fast_in.buf = steps[0].args[1].buf;
        steps.erase(steps.begin());
    }

    static uint16_t to_bf16(float f)
    {
        uint32_t u;
        std::memcpy(&u, &f, 4);
        if ((u & 0x7fffffffu) > 0x7f800000u) // NaN stays NaN
            return uint16_t((u >> 16) | 0x40);
        return uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16); // round to nearest even
    }

    void execute(planned_step& s)
    {
        if (!s.pool.on) {
            s.prim.execute(strm, s.bound);
            return;
        }
        const auto& p = s.pool;
        if (p.is_signed)
            pool_pairs(reinterpret_cast<const int8_t*>(buffers[p.src].data()),
                       reinterpret_cast<int8_t*>(buffers[p.dst].data()),
                       p);
        else
            pool_pairs(reinterpret_cast<const uint8_t*>(buffers[p.src].data()),
                       reinterpret_cast<uint8_t*>(buffers[p.dst].data()),
                       p);
    }

    template <class T>
    static void pool_pairs(const T* in, T* out, const planned_step::pair_max& p)
    {
        if (p.rows == 2)
            pairwise_max<T, 2>(in, out, p.frames, p.w_in, p.channels);
        else
            pairwise_max<T, 1>(in, out, p.frames, p.w_in, p.channels);
    }

    //! Writes n frames through `convert` (one type per instantiation, so
    //! the loops stay free of branches and vectorise).
    template <class T, class F>
    void copy_frames(const float* x, size_t n, T* dst, F convert) const
    {
        const size_t L = frame_floats / 2;
        for (size_t f = 0; f < n; f++) {
            const float* in = x + f * frame_floats;
            T* o = dst + f * frame_floats;
            if (fast_in.interleave)
                for (size_t k = 0; k < L; k++) {
                    o[2 * k] = convert(in[k]);
                    o[2 * k + 1] = convert(in[L + k]);
                }
            else
                for (size_t k = 0; k < 2 * L; k++)
                    o[k] = convert(in[k]);
        }
    }

    //! The frames into the first layer's input, in its layout and type.
    void copy_input(const float* x, size_t n)
    {
        if (!fast_in.on) {
            std::copy(x, x + n * frame_floats, input.begin());
            return;
        }
        char* dst = buffers[fast_in.buf].data();
        const float q = fast_in.inv_step;
        switch (fast_in.type) {
        case dt::f32:
            copy_frames(x, n, reinterpret_cast<float*>(dst), [](float v) { return v; });
            break;
        case dt::bf16:
            copy_frames(x, n, reinterpret_cast<uint16_t*>(dst), to_bf16);
            break;
        case dt::s8:
            // Round half to even as oneDNN's reorder does (adding and
            // subtracting 1.5 * 2^23 rounds in the default mode), saturated.
            copy_frames(x, n, reinterpret_cast<int8_t*>(dst), [q](float v) {
                const float r = std::min(127.f, std::max(-128.f, v * q));
                return int8_t(int((r + 12582912.f) - 12582912.f));
            });
            break;
        default:
            break;
        }
    }

    void compile()
    {
        const auto& ops = g->ops;
        // Reads per buffer owner (aliases count for their root).
        for (const auto& op : ops) {
            if (op.kind == net_op::scale || op.kind == net_op::unsqueeze ||
                op.kind == net_op::flatten)
                root[op.dst] = root_of(op.src);
            for (const auto* s : { &op.src, &op.src2 })
                if (!s->empty())
                    readers[root_of(*s)]++;
        }
        act_info& in = acts[g->input];
        in.md = memory::desc(to_dims(B, g->input_shape), dt::f32, plain_tag(3));
        in.buf = -1;
        for (size_t i = 0; i < ops.size(); i++) {
            const net_op& op = ops[i];
            const act_info& src = acts.at(op.src);
            if (src.gain != 1.f && op.kind != net_op::conv && op.kind != net_op::linear &&
                op.kind != net_op::unsqueeze && op.kind != net_op::squeeze &&
                op.kind != net_op::flatten)
                throw unsupported_model(
                    "the input gain cannot be folded into this graph");
            switch (op.kind) {
            case net_op::scale: {
                const auto& t = tensor(op.weight, {});
                if (t.data.size() != 1 || !std::isfinite(t.data[0]))
                    throw input_error("tensor '" + op.weight +
                                      "' is not a finite scalar");
                alias(op, src.md, t.data[0]);
                break;
            }
            case net_op::unsqueeze:
                if (src.buf != -1)
                    throw unsupported_model("unsqueeze of an inner activation");
                alias(op, src.md.reshape(to_dims(B, op.out_shape)), 1.f);
                break;
            case net_op::squeeze: // the single row of a 2-D stack's output
                alias(op, src.md.reshape(to_dims(B, op.out_shape)), 1.f);
                break;
            case net_op::flatten:
                alias(op, src.md, 1.f);
                break;
            case net_op::conv:
            case net_op::linear:
                i = unit(i);
                break;
            case net_op::max_pool:
                pooling(op,
                        algorithm::pooling_max,
                        memory::dims(op.kernel.begin(), op.kernel.end()),
                        memory::dims(op.stride.begin(), op.stride.end()));
                break;
            case net_op::subsample:
                pooling(op,
                        algorithm::pooling_max,
                        memory::dims(op.stride.size(), 1),
                        memory::dims(op.stride.begin(), op.stride.end()));
                break;
            case net_op::global_avg: {
                const memory::dims sd = src.md.dims();
                const memory::dims k(sd.begin() + 2, sd.end());
                pooling(op, algorithm::pooling_avg_exclude_padding, k, k);
                break;
            }
            case net_op::pad_channels:
                pad_channels(op);
                break;
            case net_op::relu:
            case net_op::add_relu:
            case net_op::batch_norm:
                throw unsupported_model("a " +
                                        std::string(op.kind == net_op::relu ? "ReLU"
                                                    : op.kind == net_op::add_relu
                                                        ? "residual sum"
                                                        : "BatchNorm") +
                                        " that does not follow a convolution");
            case net_op::lstm:
                throw unsupported_model("the LSTM has no native kernel");
            case net_op::s2m:
            case net_op::gelu:
            case net_op::add:
            case net_op::channel_scale:
            case net_op::concat:
            case net_op::stft:
            case net_op::additive_attention:
                throw unsupported_model("no native kernel for this op");
            case net_op::dropout: // never in an inference graph
                throw unsupported_model("dropout in an inference graph");
            }
        }
        if (!acts.count(g->output) || acts.at(g->output).buf != -4)
            throw unsupported_model("the graph does not end in a linear head");

        plan_input_copy();

        // Memory now that every buffer's size is known.
        input.assign(B * frame_floats, 0.f);
        logits.assign(B * C, 0.f);
        for (size_t b : pool.bytes)
            buffers.emplace_back(b + 64);
        scratch.resize(scratch_bytes + 64);
        scratch_mem = memory(memory::desc({ memory::dim(scratch_bytes) }, dt::u8, tag::a),
                             eng,
                             scratch.data());
        for (auto& s : steps) {
            for (auto& a : s.args) {
                if (a.buf == -2) {
                    s.bound[a.arg] = a.mem;
                    continue;
                }
                void* h = a.buf == -1   ? static_cast<void*>(input.data())
                          : a.buf == -4 ? static_cast<void*>(logits.data())
                                        : static_cast<void*>(buffers[a.buf].data());
                s.bound[a.arg] = memory(a.md, eng, h);
                if (a.arg == DNNL_ARG_DST && !s.observe.empty())
                    s.obs_floats_per_frame = a.md.get_size() / sizeof(float) / B;
            }
            s.bound[DNNL_ARG_SCRATCHPAD] = scratch_mem;
            s.args.clear();
        }
    }
};

dnnl_network::dnnl_network(const model::net_graph& g,
                           const tensor_map& weights,
                           size_t batch,
                           precision p,
                           const int8_calibration* calibration,
                           bool fold)
    : d(std::make_unique<impl>())
{
    if (batch < 1)
        throw input_error("native engine: batch size must be at least 1");
    if (p == precision::int8 && !calibration)
        throw input_error("int8 needs activation ranges calibrated on training data (amr "
                          "quantize)");
    const std::optional<folded_network> folded =
        fold ? fold_rows(g, weights) : std::nullopt;
    d->rows_folded = folded.has_value();
    d->g = folded ? &folded->graph : &g;
    d->w = folded ? &folded->weights : &weights;
    d->B = batch;
    d->prec = p;
    d->cal = calibration;
    d->frame_floats = size_t(g.input_shape[0] * g.input_shape[1]);
    d->C = size_t(g.shape_of(g.output)[0]);
    try {
        d->compile();
    } catch (const dnnl::error& e) {
        throw unsupported_model(std::string("oneDNN cannot run this model here: ") +
                                e.what());
    }
    d->g = nullptr; // not kept: the caller's graph and weights may go
    d->w = nullptr;
}

dnnl_network::~dnnl_network() = default;

size_t dnnl_network::batch() const { return d->B; }
size_t dnnl_network::classes() const { return d->C; }
bool dnnl_network::rows_folded() const { return d->rows_folded; }

std::string dnnl_network::kernels() const
{
    std::string s;
    for (const auto& k : d->impls)
        s += (s.empty() ? "" : ", ") + k;
    return s;
}

std::vector<std::pair<std::string, double>> dnnl_network::profile(int iters)
{
    std::vector<std::pair<std::string, double>> out;
    for (auto& s : d->steps) {
        d->execute(s);
        d->strm.wait();
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < iters; i++)
            d->execute(s);
        d->strm.wait();
        const double us = std::chrono::duration<double, std::micro>(
                              std::chrono::steady_clock::now() - t0)
                              .count() /
                          std::max(iters, 1);
        out.emplace_back(s.what, us);
    }
    return out;
}

void dnnl_network::forward(const float* x,
                           size_t n,
                           float* logits,
                           int8_calibration* observe)
{
    if (n > d->B)
        throw std::logic_error("native engine: more frames than the batch size");
    if (observe && d->prec != precision::fp32)
        throw std::logic_error("native engine: calibration runs in fp32");
    d->copy_input(x, n);
    auto widen = [&](const std::string& name, const float* v, size_t count) {
        float m = 0;
        for (size_t k = 0; k < count; k++)
            m = std::max(m, std::fabs(v[k]));
        float& r = observe->max_abs[name];
        r = std::max(r, m);
    };
    if (observe) {
        widen("input", x, n * d->frame_floats);
        observe->frames += n;
    }
    for (auto& s : d->steps) {
        d->execute(s);
        if (observe && !s.observe.empty()) {
            d->strm.wait();
            const float* v = reinterpret_cast<const float*>(d->buffers[s.obs_buf].data());
            widen(s.observe, v, n * s.obs_floats_per_frame);
        }
    }
    d->strm.wait();
    std::copy(d->logits.begin(), d->logits.begin() + n * d->C, logits);
}

} // namespace deploy
} // namespace amrcompress
} // namespace gr
