/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../../model/model_meta.h"
#include "../../model/net_graph.h"
#include "../model_frames.h"
#include "../torchscript_extra.h"
#include "native_backend.h"
#include <gnuradio/amrcompress/error.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>

// oneDNN's runtime here is libgomp.
extern "C" void omp_set_num_threads(int);
extern "C" int omp_get_max_threads();

namespace gr {
namespace amrcompress {
namespace deploy {

namespace {

using json = nlohmann::json;

/*!
 * oneDNN sizes a primitive's thread team when the primitive is created, from
 * the creating thread's OpenMP setting (every CPU unless set), and runs that
 * team whatever the executing thread's own setting. A network compiled on the
 * flowgraph's thread for a one-thread engine would run a team of every CPU:
 * 4.6x slower here (2 vCPUs, next to the flowgraph's own threads). So
 * compile with the count the network will run with, and give the calling
 * thread its own setting back.
 */
class omp_threads_scope
{
public:
    explicit omp_threads_scope(int n) : saved(omp_get_max_threads())
    {
        omp_set_num_threads(n);
    }
    ~omp_threads_scope() { omp_set_num_threads(saved); }
    omp_threads_scope(const omp_threads_scope&) = delete;
    omp_threads_scope& operator=(const omp_threads_scope&) = delete;

private:
    int saved;
};

//! A model file as the native engine sees it.
struct native_model {
    model_info info;
    model::net_graph graph;
    torchscript_contents contents;
};

//! nullptr (and why_not) for a model without a native graph.
//! Ops dnnl_network compiles (the LSTM, SigNet's S2M and IQFormer's
//! attention, STFT and grouped convs run on LibTorch).
bool has_native_kernel(const model::net_op& op)
{
    using model::net_op;
    switch (op.kind) {
    case net_op::conv:
        return op.groups == 1;
    case net_op::scale:
    case net_op::unsqueeze:
    case net_op::squeeze:
    case net_op::batch_norm:
    case net_op::relu:
    case net_op::add_relu:
    case net_op::max_pool:
    case net_op::subsample:
    case net_op::pad_channels:
    case net_op::global_avg:
    case net_op::flatten:
    case net_op::linear:
        return true;
    default:
        return false;
    }
}

std::unique_ptr<native_model> read_native(const std::string& path, std::string* why_not)
{
    auto m = std::make_unique<native_model>();
    m->contents = read_torchscript(path);
    auto meta = m->contents.extra.find(MODEL_META_FILE);
    m->info = parse_model_meta(meta == m->contents.extra.end() ? "" : meta->second, path);
    json spec = json::parse(m->info.spec, nullptr, false);
    const std::string arch =
        spec.is_object() && spec.contains("arch") && spec["arch"].is_string()
            ? spec["arch"]
            : "";
    if (!model::known_architecture(arch)) {
        // A bring-your-own TorchScript model: its metadata does not describe a zoo
        // network.
        if (why_not)
            *why_not = "the native engine runs the zoo's architectures (" +
                       model::architecture_names() + "); this model's spec describes " +
                       (arch.empty() ? std::string("none") : "'" + arch + "'");
        return nullptr;
    }
    try {
        m->graph =
            model::build_net_graph(spec, m->info.classes.size(), m->info.frame_length);
    } catch (const input_error& e) {
        throw input_error(path, e.what());
    }
    if (!std::all_of(m->graph.ops.begin(), m->graph.ops.end(), has_native_kernel)) {
        if (why_not)
            *why_not = "the native engine has no kernel for the " + m->info.arch +
                       " architecture";
        return nullptr;
    }
    return m;
}

int8_calibration parse_calibration(const std::string& text, const std::string& path)
{
    int8_calibration cal;
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("max_abs") ||
        !j["max_abs"].is_object())
        throw input_error(path,
                          std::string("malformed int8 calibration (extra/") +
                              INT8_CALIBRATION_FILE + ")");
    for (const auto& [name, v] : j["max_abs"].items()) {
        if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0)
            throw input_error(path,
                              "int8 calibration: the range of '" + name +
                                  "' is not a finite number >= 0");
        cal.max_abs[name] = v.get<float>();
    }
    cal.frames = j.value("frames", size_t(0));
    return cal;
}

class native_backend : public inference_backend
{
public:
    native_backend(std::unique_ptr<native_model> m,
                   const backend_options& opt,
                   const int8_calibration* cal,
                   const std::string& path,
                   bool fold_rows)
        : mi(m->info), threads(std::max(1, opt.threads))
    {
        try {
            omp_threads_scope scope(threads);
            net = std::make_unique<dnnl_network>(m->graph,
                                                 m->contents.tensors,
                                                 std::max<size_t>(1, opt.batch_size),
                                                 opt.prec,
                                                 cal,
                                                 fold_rows);
        } catch (const input_error& e) {
            throw input_error(path, e.what());
        }
        desc = "native oneDNN " + to_string(opt.prec) + " (" + net->kernels() + ")";
        F = 2 * mi.frame_length;
    }
    const model_info& info() const override { return mi; }
    std::string description() const override { return desc; }
    void forward(const float* x, size_t n, float* logits) override
    {
        // Per calling thread (OpenMP's setting is the thread's own): no
        // process-wide setting changes.
        omp_set_num_threads(threads);
        const size_t B = net->batch(), C = net->classes();
        for (size_t i = 0; i < n; i += B)
            net->forward(x + i * F, std::min(B, n - i), logits + i * C);
    }

    dnnl_network& network() { return *net; }
    int thread_count() const { return threads; }

private:
    model_info mi;
    std::unique_ptr<dnnl_network> net;
    std::string desc;
    int threads;
    size_t F = 0;
};

} // namespace

namespace {

std::unique_ptr<native_backend> open_native_backend(const std::string& path,
                                                    const backend_options& opt,
                                                    bool fold_rows,
                                                    std::string* why_not)
{
    auto m = read_native(path, why_not);
    if (!m)
        return nullptr;
    int8_calibration cal;
    if (opt.prec == precision::int8) {
        auto it = m->contents.extra.find(INT8_CALIBRATION_FILE);
        if (it == m->contents.extra.end()) {
            if (why_not)
                *why_not =
                    "int8 needs a calibrated model: amr quantize MODEL DATASET -o OUT";
            return nullptr;
        }
        cal = parse_calibration(it->second, path);
    }
    if (opt.prec == precision::bf16 && !native_bf16_available()) {
        if (why_not)
            *why_not = "this CPU has no AVX512-BF16 instructions";
        return nullptr;
    }
    try {
        return std::make_unique<native_backend>(std::move(m), opt, &cal, path, fold_rows);
    } catch (const unsupported_model& e) {
        if (why_not)
            *why_not = e.what();
        return nullptr;
    }
}

} // namespace

bool native_bf16_available()
{
    const auto isa = dnnl::get_effective_cpu_isa();
    return isa == dnnl::cpu_isa::avx512_core_bf16 ||
           isa == dnnl::cpu_isa::avx512_core_amx;
}

std::unique_ptr<inference_backend>
open_native(const std::string& path, const backend_options& opt, std::string* why_not)
{
    return open_native_backend(path, opt, true, why_not);
}

native_profile profile_native(const std::string& path,
                              const backend_options& opt,
                              bool fold_rows,
                              int iters)
{
    std::string why;
    auto b = open_native_backend(path, opt, fold_rows, &why);
    if (!b)
        throw input_error(path, "the native engine cannot run it: " + why);
    dnnl_network& net = b->network();
    native_profile p;
    p.kernels = net.kernels();
    p.rows_folded = net.rows_folded();
    omp_threads_scope scope(b->thread_count());
    const size_t B = net.batch(), L = b->info().frame_length;
    const std::vector<float> x = noise_frames(B, L);
    std::vector<float> logits(B * net.classes());
    for (int i = 0; i < 10; i++)
        net.forward(x.data(), B, logits.data());
    const int n = std::max(1, iters);
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; i++)
        net.forward(x.data(), B, logits.data());
    p.forward_us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
            .count() /
        n;
    p.steps = net.profile(n);
    return p;
}

int8_calibration calibrate_int8(const std::string& path, const float* frames, size_t n)
{
    std::string why;
    auto m = read_native(path, &why);
    if (!m)
        throw input_error(path, "cannot be quantised: " + why);
    if (n == 0)
        throw input_error(path, "int8 calibration needs at least one frame");
    const size_t B = 256, F = 2 * m->info.frame_length, C = m->info.classes.size();
    omp_threads_scope one_thread(1); // calibration is deterministic and small
    std::unique_ptr<dnnl_network> net;
    try {
        net = std::make_unique<dnnl_network>(
            m->graph, m->contents.tensors, B, precision::fp32);
    } catch (const unsupported_model& e) {
        throw input_error(path, std::string("cannot be quantised: ") + e.what());
    } catch (const input_error& e) {
        throw input_error(path, e.what());
    }
    int8_calibration cal;
    std::vector<float> logits(B * C);
    for (size_t i = 0; i < n; i += B)
        net->forward(frames + i * F, std::min(B, n - i), logits.data(), &cal);
    for (const auto& [name, v] : cal.max_abs)
        if (!std::isfinite(v))
            throw input_error(path,
                              "int8 calibration: activation '" + name +
                                  "' is not finite on the calibration frames");
    return cal;
}

void write_int8_calibration(const std::string& src,
                            const std::string& dst,
                            const int8_calibration& cal,
                            const json& provenance)
{
    json j = { { "format", "gr-amrcompress int8 calibration 1" },
               { "frames", cal.frames },
               { "max_abs", cal.max_abs } };
    for (const auto& [k, v] : provenance.items())
        j[k] = v;
    write_with_extra_file(src, dst, INT8_CALIBRATION_FILE, j.dump(1));
}

} // namespace deploy
} // namespace amrcompress
} // namespace gr
