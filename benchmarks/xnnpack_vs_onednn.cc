/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Weighs XNNPACK against oneDNN (the engine's library) on the layer that
 * takes 70 % of the FCOS CNN1D's time: 16 -> 16 channels, a 2 x 3 kernel
 * with 'same' padding over 2 x W samples, bias and ReLU fused, batch 32, one
 * thread. fp32 in both, then int8 as each library does it (XNNPACK's qc8:
 * s8 activations with per-channel weight scales; oneDNN: u8 activations,
 * s8 weights, per-channel output scales). The two alternate in one process
 * and the ratio is taken round by round, so a loaded machine still gives a
 * fair ratio. Not part of the build, so that the project does not depend on
 * XNNPACK:
 *
 *   apt-get install libxnnpack-dev libpthreadpool-dev
 *   g++ -O2 -std=c++17 benchmarks/xnnpack_vs_onednn.cc -o xnnpack_vs_onednn \
 *       -lXNNPACK -lpthreadpool -ldnnl
 *   OMP_NUM_THREADS=1 ./xnnpack_vs_onednn [W]
 */
#include <dnnl.hpp>
#include <xnnpack.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <vector>

namespace {

constexpr int N = 32, C = 16, K = 16, H = 2, KH = 2, KW = 3;

using dnnl::memory;
using dt = memory::data_type;
using tag = memory::format_tag;

// Median microseconds per call of each, and the median of their per-round
// ratio (oneDNN time / XNNPACK time).
void race(const char* what,
          int W,
          const std::function<void()>& xnn,
          const std::function<void()>& onednn)
{
    using clk = std::chrono::steady_clock;
    const int reps = 2000, rounds = 7;
    std::vector<double> tx, td, ratio;
    for (int r = 0; r < rounds; r++) {
        const auto t0 = clk::now();
        for (int i = 0; i < reps; i++)
            xnn();
        const auto t1 = clk::now();
        for (int i = 0; i < reps; i++)
            onednn();
        const auto t2 = clk::now();
        tx.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() / reps);
        td.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count() / reps);
        ratio.push_back(td.back() / tx.back());
    }
    for (auto* v : { &tx, &td, &ratio })
        std::sort(v->begin(), v->end());
    const double macs = double(N) * H * W * K * C * KH * KW;
    std::printf("%s W=%d, us per batch of %d (median of %d): XNNPACK %.1f (%.0f GMAC/s), "
                "oneDNN %.1f (%.0f GMAC/s); oneDNN / XNNPACK time %.2f (%.2f..%.2f)\n",
                what,
                W,
                N,
                rounds,
                tx[rounds / 2],
                macs / tx[rounds / 2] / 1e3,
                td[rounds / 2],
                macs / td[rounds / 2] / 1e3,
                ratio[rounds / 2],
                ratio.front(),
                ratio.back());
}

struct onednn_conv {
    dnnl::engine eng{ dnnl::engine::kind::cpu, 0 };
    dnnl::stream s{ eng };
    dnnl::convolution_forward::primitive_desc pd;
    dnnl::convolution_forward conv;
    memory src, wei, bias, dst;

    // x is NHWC, w is OHWI (XNNPACK's layouts); the library picks its own.
    onednn_conv(int W,
                dt act,
                dt wt,
                const void* x,
                const void* w,
                const float* b,
                const dnnl::primitive_attr& attr)
    {
        const memory::dims sd{ N, C, H, W }, wd{ K, C, KH, KW }, bd{ K },
            dd{ N, K, H, W };
        auto any = [](const memory::dims& d, dt t) {
            return memory::desc(d, t, tag::any);
        };
        pd = dnnl::convolution_forward::primitive_desc(
            dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                            dnnl::algorithm::convolution_direct,
                                            any(sd, act),
                                            any(wd, wt),
                                            any(bd, dt::f32),
                                            any(dd, act),
                                            { 1, 1 },
                                            { 0, 1 },
                                            { 1, 1 }),
            attr,
            eng);
        memory xs({ sd, act, tag::nhwc }, eng, const_cast<void*>(x));
        memory ws({ wd, wt, tag::ohwi }, eng, const_cast<void*>(w));
        src = memory(pd.src_desc(), eng);
        wei = memory(pd.weights_desc(), eng);
        dst = memory(pd.dst_desc(), eng);
        bias = memory({ bd, dt::f32, tag::x }, eng, const_cast<float*>(b));
        dnnl::reorder(xs, src).execute(s, xs, src);
        dnnl::reorder(ws, wei).execute(s, ws, wei);
        s.wait();
        conv = dnnl::convolution_forward(pd);
    }
    void run()
    {
        conv.execute(s,
                     { { DNNL_ARG_SRC, src },
                       { DNNL_ARG_WEIGHTS, wei },
                       { DNNL_ARG_BIAS, bias },
                       { DNNL_ARG_DST, dst } });
        s.wait();
    }
    // The output as NHWC floats, to check against XNNPACK.
    std::vector<float> output_nhwc(int W)
    {
        std::vector<float> y(size_t(N) * H * W * K);
        memory ym({ { N, K, H, W }, dt::f32, tag::nhwc }, eng, y.data());
        dnnl::reorder(dst, ym).execute(s, dst, ym);
        s.wait();
        return y;
    }
};

dnnl::primitive_attr relu_attr(const std::vector<float>* output_scales)
{
    dnnl::primitive_attr attr;
    if (output_scales)
        attr.set_output_scales(2, *output_scales); // per output channel
    dnnl::post_ops po;
    po.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(po);
    return attr;
}

bool ok(xnn_status st, const char* what)
{
    if (st != xnn_status_success)
        std::fprintf(stderr, "XNNPACK: %s failed (status %d)\n", what, int(st));
    return st == xnn_status_success;
}

} // namespace

int main(int argc, char** argv)
{
    const int W = argc > 1 ? std::atoi(argv[1]) : 128;
    if (W < 1 || !ok(xnn_initialize(nullptr), "xnn_initialize"))
        return 1;
    std::mt19937 g(1);
    std::normal_distribution<float> nd;

    // fp32: also checks that both compute the same layer.
    std::vector<float> x(size_t(N) * H * W * C), w(K * KH * KW * C), b(K),
        y(size_t(N) * H * W * K);
    for (auto& v : x)
        v = nd(g);
    for (auto& v : w)
        v = 0.2f * nd(g);
    for (auto& v : b)
        v = 0.1f * nd(g);
    xnn_operator_t f32 = nullptr;
    if (!ok(xnn_create_convolution2d_nhwc_f32(0,
                                              1,
                                              1,
                                              1,
                                              KH,
                                              KW,
                                              1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              C,
                                              K,
                                              C,
                                              K,
                                              w.data(),
                                              b.data(),
                                              0.f,
                                              INFINITY,
                                              0,
                                              &f32),
            "create f32") ||
        !ok(xnn_setup_convolution2d_nhwc_f32(f32, N, H, W, x.data(), y.data(), nullptr),
            "setup f32"))
        return 1;
    onednn_conv d32(
        W, dt::f32, dt::f32, x.data(), w.data(), b.data(), relu_attr(nullptr));
    xnn_run_operator(f32, nullptr);
    d32.run();
    const auto yd = d32.output_nhwc(W);
    double err = 0, top = 0;
    for (size_t i = 0; i < y.size(); i++) {
        err = std::max(err, double(std::fabs(y[i] - yd[i])));
        top = std::max(top, double(std::fabs(yd[i])));
    }
    std::printf("fp32 outputs agree within %.2g (largest %.3g); oneDNN picked %s\n",
                err,
                top,
                d32.pd.impl_info_str());
    if (err > 1e-4 * top) {
        std::fprintf(stderr, "the two libraries disagree: not the same layer\n");
        return 1;
    }
    race(
        "fp32", W, [&] { xnn_run_operator(f32, nullptr); }, [&] { d32.run(); });

    // int8: speed only (the engine's calibrated int8 is checked elsewhere).
    std::vector<int8_t> xs(x.size()), ws(w.size()), ys(y.size());
    std::vector<uint8_t> xu(x.size());
    for (size_t i = 0; i < xs.size(); i++)
        xu[i] = uint8_t(xs[i] = int8_t(g() % 100));
    for (auto& v : ws)
        v = int8_t(int(g() % 200) - 100);
    const std::vector<int32_t> b32(K, 10);
    const std::vector<float> wscale(K, 0.01f), oscale(K, 0.005f);
    xnn_operator_t qc8 = nullptr;
    if (!ok(xnn_create_convolution2d_nhwc_qc8(0,
                                              1,
                                              1,
                                              1,
                                              KH,
                                              KW,
                                              1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              C,
                                              K,
                                              C,
                                              K,
                                              -128,
                                              0.05f,
                                              wscale.data(),
                                              ws.data(),
                                              b32.data(),
                                              -128,
                                              0.1f,
                                              -128,
                                              127,
                                              0,
                                              &qc8),
            "create qc8") ||
        !ok(xnn_setup_convolution2d_nhwc_qc8(qc8, N, H, W, xs.data(), ys.data(), nullptr),
            "setup qc8"))
        return 1;
    onednn_conv d8(W, dt::u8, dt::s8, xu.data(), ws.data(), b.data(), relu_attr(&oscale));
    std::printf("int8: oneDNN picked %s\n", d8.pd.impl_info_str());
    race(
        "int8", W, [&] { xnn_run_operator(qc8, nullptr); }, [&] { d8.run(); });
    return 0;
}
