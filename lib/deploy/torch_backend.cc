/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The LibTorch backend: any TorchScript model following the contract
 * (docs/models.md), checked with a trial batch when opened and on every
 * forward. Returns logits; the engine computes the probabilities.
 */
#include "../model/torch_model.h"
#include "../train/torch_runtime.h"
#include "torch_backend.h"
#include <gnuradio/amrcompress/error.h>
#include <ATen/Parallel.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/torch.h>
#include <cstdlib>
#include <cstring>

namespace gr {
namespace amrcompress {
namespace deploy {

namespace {

bool env_is_zero(const char* name)
{
    const char* v = std::getenv(name);
    return v && std::string(v) == "0";
}

class torch_backend : public inference_backend
{
public:
    torch_backend(const std::string& path, const backend_options& opt)
        : d_path(path), d_opt(opt)
    {
        auto bm = model::load(path);
        d_module = bm.module;
        d_info = bm.info;
        d_module.eval();
        if (opt.optimize) {
            // Freezing inlines the weights and folds BatchNorm into the convs;
            // optimize_for_inference picks oneDNN kernels where they pay off.
            // Measured in docs/benchmarks.md; a model the passes cannot handle
            // runs as it is.
            try {
                auto frozen = torch::jit::freeze(d_module);
                d_module = torch::jit::optimize_for_inference(frozen);
            } catch (const c10::Error&) {
            }
        }
        // A trial batch: a file that does not follow the contract is refused
        // here, not at the first frame.
        const size_t L = d_info.frame_length;
        std::vector<float> x(2 * 2 * L, 0.0f), logits(2 * d_info.classes.size());
        run(x.data(), 2, logits.data());
    }

    const model_info& info() const override { return d_info; }

    std::string description() const override
    {
        return std::string("LibTorch fp32") + (d_opt.optimize ? " optimized" : "");
    }

    void forward(const float* x, size_t n, float* logits) override
    {
        if (!d_configured) {
            // Per-thread settings, on the calling thread (the engine's).
            // Unlike training, inference gains from TorchScript's graph
            // executor optimisations: CNN1D at batch 1 +51 %, ResNet56 at
            // batch 32 +26 % (docs/benchmarks.md). AMR_JIT_OPTIMIZE=0 turns
            // them off.
            configure_torch_thread(d_opt.threads, true);
            // Process-wide ones only when the user asked (or the amr tool runs).
            if ((d_opt.process_tuning || process_tuning()) &&
                !env_is_zero("AMR_PROCESS_TUNING"))
                tune_process_for_torch(d_opt.threads);
            d_configured = true;
        }
        run(x, n, logits);
    }

private:
    void run(const float* x, size_t n, float* logits)
    {
        const int64_t L = d_info.frame_length, C = d_info.classes.size();
        torch::NoGradGuard ng;
        torch::Tensor out;
        try {
            auto in = torch::from_blob(
                const_cast<float*>(x), { int64_t(n), 2, L }, torch::kFloat32);
            auto r = d_module.forward({ in });
            if (r.isTensor())
                out = r.toTensor();
        } catch (const c10::Error& e) {
            throw input_error(
                d_path,
                std::string("the model fails on float32 [B, 2, L] frames: ") +
                    e.what_without_backtrace());
        } catch (const std::exception& e) {
            // TorchScript's interpreter errors (torch::jit::JITException, an
            // exception raised in the model's code) are not c10::Errors.
            const std::string m = e.what();
            throw input_error(d_path,
                              "the model fails on float32 [B, 2, L] frames: " +
                                  m.substr(0, m.find('\n')));
        }
        if (!out.defined() || out.dim() != 2 || out.size(0) != int64_t(n) ||
            out.size(1) != C) {
            std::string got = "not a tensor";
            if (out.defined()) {
                got = "[";
                for (int64_t i = 0; i < out.dim(); i++)
                    got += (i ? ", " : "") + std::to_string(out.size(i));
                got += "]";
            }
            throw input_error(d_path,
                              "the model does not return [B, " + std::to_string(C) +
                                  "] logits for float32 [B, 2, " + std::to_string(L) +
                                  "] frames (docs/models.md): " + got +
                                  " for B = " + std::to_string(n));
        }
        out = out.to(torch::kFloat32).contiguous();
        std::memcpy(logits, out.data_ptr<float>(), sizeof(float) * n * C);
    }

    std::string d_path;
    backend_options d_opt;
    torch::jit::Module d_module;
    model_info d_info;
    bool d_configured = false;
};

} // namespace

} // namespace deploy
} // namespace amrcompress
} // namespace gr

extern "C" void amrcompress_open_torch_backend(
    const std::string& path,
    const gr::amrcompress::deploy::backend_options& opt,
    std::unique_ptr<gr::amrcompress::deploy::inference_backend>* out)
{
    *out = std::make_unique<gr::amrcompress::deploy::torch_backend>(path, opt);
}
