/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../deploy/inference_backend.h"
#include "../deploy/model_frames.h"
#include "../model/model_specs.h"
#include "../model/torch_model.h"
#include "torch_runtime.h"
#include "train_step.h"
#include <gnuradio/amrcompress/dataset.h>
#include <gnuradio/amrcompress/train.h>
#include <torch/torch.h>
#include <chrono>
#include <random>

namespace gr {
namespace amrcompress {

double measure_train_throughput(const std::string& model,
                                size_t classes,
                                size_t frame_length,
                                size_t batch_size,
                                int min_steps,
                                double min_seconds,
                                int warmup,
                                int threads)
{
    configure_torch_runtime(threads);
    torch::manual_seed(0);
    std::vector<std::string> names;
    for (size_t c = 0; c < classes; c++)
        names.push_back("c" + std::to_string(c));
    model::built_model bm;
    {
        torch::NoGradGuard ng;
        bm = model::build(model::resolve_spec(model), names, frame_length, "l1");
    }
    auto& m = bm.module;
    m.train();
    std::vector<torch::Tensor> params;
    for (const auto& p : m.parameters())
        params.push_back(p);
    torch::optim::Adam opt(params, torch::optim::AdamOptions(1e-3));
    const int64_t B = batch_size, L = frame_length;
    // Batches drawn like the trainer draws them: shuffled rows of a pool.
    const int64_t pool = 16 * B;
    auto xs = torch::randn({ pool, 2, L }) / (1.25 * L);
    auto ys = torch::randint(0, int64_t(classes), { pool }, torch::kInt64);
    auto step = [&] {
        auto idx = torch::randperm(pool, torch::kInt64).slice(0, 0, B);
        train_step(m, opt, xs.index_select(0, idx), ys.index_select(0, idx));
    };
    for (int i = 0; i < warmup; i++)
        step();
    auto t = std::chrono::steady_clock::now();
    int steps = 0;
    double dt = 0;
    while (steps < min_steps || dt < min_seconds) {
        step();
        steps++;
        dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    }
    return steps * double(B) / dt;
}

double measure_inference_throughput(const std::string& model_path,
                                    size_t batch_size,
                                    double min_seconds,
                                    int threads,
                                    const std::string& engine,
                                    const std::string& precision)
{
    const auto opt = deploy::tool_options(batch_size, threads, engine, precision);
    auto b = deploy::open_backend(model_path, opt);
    const size_t B = opt.batch_size, L = b->info().frame_length,
                 C = b->info().classes.size();
    const std::vector<float> x = deploy::noise_frames(B, L);
    std::vector<float> logits(B * C);
    for (int i = 0; i < 3; i++) // warm-up: allocations, JIT, TorchScript profiling runs
        b->forward(x.data(), B, logits.data());
    auto t = std::chrono::steady_clock::now();
    int runs = 0;
    double dt = 0;
    while (runs < 3 || dt < min_seconds) {
        b->forward(x.data(), B, logits.data());
        runs++;
        dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    }
    return runs * double(B) / dt;
}

} // namespace amrcompress
} // namespace gr
