/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "inference_engine.h"
#include "../model/torch_model.h"
#include "../train/torch_runtime.h"
#include <gnuradio/amrcompress/error.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/torch.h>
#include <cstdlib>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace gr {
namespace amrcompress {

namespace {

using clock_type = std::chrono::steady_clock;

struct loaded_model {
    torch::jit::Module module;
    model_info info;
};

//! Loads a model and runs a trial batch through it: a file that does not
//! follow the contract is refused here, not at the first frame.
std::shared_ptr<loaded_model>
load_checked(const std::string& path, size_t frame_length, bool optimize)
{
    auto bm = model::load(path);
    if (frame_length && bm.info.frame_length != frame_length)
        throw input_error(path, "the model takes frames of " +
                                    std::to_string(bm.info.frame_length) +
                                    " samples; this stream is framed in " +
                                    std::to_string(frame_length));
    auto m = std::make_shared<loaded_model>(loaded_model{ bm.module, bm.info });
    m->module.eval();
    if (optimize) {
        // Freezing inlines the weights and folds BatchNorm into the convs;
        // optimize_for_inference picks oneDNN kernels where they pay off.
        // Measured in docs/benchmarks.md; a model the passes cannot handle
        // runs as it is.
        try {
            auto frozen = torch::jit::freeze(m->module);
            m->module = torch::jit::optimize_for_inference(frozen);
        } catch (const c10::Error&) {
        }
    }
    torch::NoGradGuard ng;
    const int64_t L = bm.info.frame_length, C = bm.info.classes.size();
    try {
        auto out = m->module.forward({ torch::zeros({ 2, 2, L }) });
        if (!out.isTensor() || out.toTensor().dim() != 2 || out.toTensor().size(0) != 2 ||
            out.toTensor().size(1) != C)
            throw input_error(path, "the model does not return [B, " + std::to_string(C) +
                                        "] logits for float32 [B, 2, " + std::to_string(L) +
                                        "] frames (docs/models.md)");
    } catch (const c10::Error& e) {
        throw input_error(path, std::string("the model fails on float32 [B, 2, L] frames: ") +
                                    e.what_without_backtrace());
    }
    return m;
}

} // namespace

struct inference_engine::impl {
    engine_options opt;
    size_t L = 0;
    result_fn on_results;

    mutable std::mutex mtx;
    std::condition_variable work_cv, room_cv, idle_cv;
    struct pending {
        uint64_t offset;
        clock_type::time_point t;
        std::vector<float> x;
    };
    std::deque<pending> queue;
    std::vector<std::vector<float>> spare; // recycled frame buffers
    std::shared_ptr<loaded_model> model;
    uint64_t generation = 0;
    bool running = true, busy = false;
    size_t busy_frames = 0; // in the batch being classified
    engine_stats st;
    std::thread worker;

    void run()
    {
        configure_torch_runtime(opt.threads);
        // Unlike training, inference gains from TorchScript's graph executor
        // optimisations: CNN1D at batch 1 +51 %, ResNet56 at batch 32 +26 %
        // (docs/benchmarks.md). AMR_JIT_OPTIMIZE=0 turns them off.
        const char* jit = std::getenv("AMR_JIT_OPTIMIZE");
        torch::jit::setGraphExecutorOptimize(!(jit && std::string(jit) == "0"));
        std::unique_lock<std::mutex> lk(mtx);
        while (true) {
            // Wait for a full batch, or a partial one that waited long enough.
            while (running) {
                if (queue.size() >= opt.batch_size)
                    break;
                if (!queue.empty()) {
                    auto deadline = queue.front().t + std::chrono::duration<double, std::milli>(
                                                          opt.max_wait_ms);
                    if (clock_type::now() >= deadline)
                        break;
                    work_cv.wait_until(lk, deadline);
                } else {
                    work_cv.wait(lk);
                }
            }
            if (!running)
                return;
            const size_t n = std::min(queue.size(), opt.batch_size);
            std::vector<pending> batch;
            batch.reserve(n);
            for (size_t i = 0; i < n; i++) {
                batch.push_back(std::move(queue.front()));
                queue.pop_front();
            }
            auto m = model;
            const uint64_t gen = generation;
            busy = true;
            busy_frames = n;
            lk.unlock();
            room_cv.notify_all();

            auto x = torch::empty({ int64_t(n), 2, int64_t(L) });
            float* dst = x.data_ptr<float>();
            for (size_t i = 0; i < n; i++)
                std::copy(batch[i].x.begin(), batch[i].x.end(), dst + i * 2 * L);
            const auto t0 = clock_type::now();
            torch::Tensor probs;
            {
                torch::NoGradGuard ng;
                probs = torch::softmax(m->module.forward({ x }).toTensor(), 1).contiguous();
            }
            const auto t1 = clock_type::now();
            const int64_t C = probs.size(1);
            const float* p = probs.data_ptr<float>();
            std::vector<frame_result> out(n);
            for (size_t i = 0; i < n; i++) {
                auto& r = out[i];
                r.offset = batch[i].offset;
                r.probs.assign(p + i * C, p + (i + 1) * C);
                r.label = int32_t(std::max_element(r.probs.begin(), r.probs.end()) - r.probs.begin());
                r.confidence = r.probs[r.label];
                r.latency_s = std::chrono::duration<double>(t1 - batch[i].t).count();
                r.model_generation = gen;
            }
            on_results(out);
            const auto t2 = clock_type::now();

            lk.lock();
            for (auto& b : batch)
                spare.push_back(std::move(b.x));
            st.classified += n;
            st.batches++;
            st.busy_seconds += std::chrono::duration<double>(t1 - t0).count();
            st.deliver_seconds += std::chrono::duration<double>(t2 - t1).count();
            busy = false;
            busy_frames = 0;
            idle_cv.notify_all();
        }
    }
};

inference_engine::inference_engine(const std::string& model_path,
                                   size_t frame_length,
                                   const engine_options& opt,
                                   result_fn on_results)
    : d(std::make_unique<impl>())
{
    if (opt.batch_size < 1 || opt.queue_frames < opt.batch_size || opt.threads < 1)
        throw input_error("classifier: batch size >= 1, queue >= batch size and threads >= 1 "
                          "are needed");
    d->opt = opt;
    d->on_results = std::move(on_results);
    d->model = load_checked(model_path, frame_length, opt.optimize);
    d->L = d->model->info.frame_length;
    d->worker = std::thread([this] { d->run(); });
}

inference_engine::~inference_engine()
{
    {
        std::lock_guard<std::mutex> lk(d->mtx);
        d->running = false;
    }
    d->work_cv.notify_all();
    d->room_cv.notify_all();
    d->idle_cv.notify_all();
    if (d->worker.joinable())
        d->worker.join();
}

model_info inference_engine::info() const
{
    std::lock_guard<std::mutex> lk(d->mtx);
    return d->model->info;
}

size_t inference_engine::frame_length() const { return d->L; }

bool inference_engine::push(uint64_t offset, const float* frame, bool wait, time_point arrived)
{
    if (arrived == time_point())
        arrived = clock_type::now();
    std::unique_lock<std::mutex> lk(d->mtx);
    if (wait)
        d->room_cv.wait(lk, [&] { return !d->running || d->queue.size() < d->opt.queue_frames; });
    if (d->queue.size() >= d->opt.queue_frames || !d->running) {
        d->st.dropped++;
        return false;
    }
    std::vector<float> x;
    if (!d->spare.empty()) {
        x = std::move(d->spare.back());
        d->spare.pop_back();
    }
    x.assign(frame, frame + 2 * d->L);
    d->queue.push_back({ offset, arrived, std::move(x) });
    d->st.pushed++;
    d->st.queue_high_water = std::max(d->st.queue_high_water, d->queue.size());
    const bool full_batch = d->queue.size() >= d->opt.batch_size;
    const bool first = d->queue.size() == 1;
    lk.unlock();
    if (full_batch || first)
        d->work_cv.notify_one();
    return true;
}

void inference_engine::flush()
{
    std::unique_lock<std::mutex> lk(d->mtx);
    // Run partial batches at once while flushing.
    const double wait = d->opt.max_wait_ms;
    d->opt.max_wait_ms = 0;
    d->work_cv.notify_all();
    d->idle_cv.wait(lk, [&] { return !d->running || (d->queue.empty() && !d->busy); });
    d->opt.max_wait_ms = wait;
}

size_t inference_engine::in_flight() const
{
    std::lock_guard<std::mutex> lk(d->mtx);
    return d->queue.size() + d->busy_frames;
}

void inference_engine::swap_model(const std::string& model_path)
{
    auto m = load_checked(model_path, d->L, d->opt.optimize); // in the caller's thread, unlocked
    std::lock_guard<std::mutex> lk(d->mtx);
    d->model = m;
    d->generation++;
    d->st.swaps++;
}

engine_stats inference_engine::stats() const
{
    std::lock_guard<std::mutex> lk(d->mtx);
    return d->st;
}

} // namespace amrcompress
} // namespace gr
