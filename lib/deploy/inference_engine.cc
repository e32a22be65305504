/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "inference_engine.h"
#include <gnuradio/amrcompress/error.h>
#include <condition_variable>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <mutex>
#include <thread>

namespace gr {
namespace amrcompress {

namespace {

using clock_type = std::chrono::steady_clock;

deploy::backend_options backend_opts(const engine_options& o)
{
    deploy::backend_options b;
    b.batch_size = o.batch_size;
    b.threads = o.threads;
    b.prec = o.prec;
    b.engine = o.engine;
    b.optimize = o.optimize;
    b.process_tuning = o.process_tuning;
    return b;
}

//! Opens a model and checks its frame length (the backend checks the
//! contract with a trial batch).
std::shared_ptr<deploy::inference_backend>
open_checked(const std::string& path, size_t frame_length, const engine_options& opt)
{
    std::shared_ptr<deploy::inference_backend> b =
        deploy::open_backend(path, backend_opts(opt), opt.log);
    if (!b)
        throw input_error(path, "no engine can run this model");
    const size_t L = b->info().frame_length;
    if (frame_length && L != frame_length)
        throw input_error(path,
                          "the model takes frames of " + std::to_string(L) +
                              " samples; this stream is framed in " +
                              std::to_string(frame_length));
    return b;
}

//! Probabilities (softmax, max-subtracted so that no exp() overflows),
//! label and confidence of one frame's logits.
void softmax_row(const float* logits, size_t C, frame_result& r)
{
    r.probs.resize(C);
    size_t arg = 0;
    for (size_t c = 1; c < C; c++)
        if (logits[c] > logits[arg])
            arg = c;
    const float m = logits[arg];
    double sum = 0;
    for (size_t c = 0; c < C; c++) {
        const float e = std::exp(logits[c] - m);
        r.probs[c] = e;
        sum += e;
    }
    const float inv = float(1.0 / sum);
    for (size_t c = 0; c < C; c++)
        r.probs[c] *= inv;
    r.label = int32_t(arg);
    r.confidence = r.probs[arg];
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
    std::shared_ptr<deploy::inference_backend> model;
    uint64_t generation = 0;
    bool running = true, busy = false;
    size_t busy_frames = 0; // in the batch being classified
    engine_stats st;
    std::thread worker, deliverer;

    // Results are handed out (messages, tags) on a thread of their own, so
    // that the next batch's forward pass overlaps the last one's delivery:
    // per-frame messages cost about as much as the native engine's forward
    // pass of a pruned model. One batch waits at most; the worker waits for
    // room (bounded memory and latency).
    struct delivery {
        std::vector<frame_result> results;
        std::vector<clock_type::time_point> arrived;
    };
    std::deque<delivery> deliveries;
    std::vector<delivery> spare_deliveries;
    size_t delivering_frames = 0; // waiting for delivery or being delivered
    std::condition_variable deliver_cv, deliver_room_cv;

    // The engine thread's own buffers, sized once (logits grow if a swapped-in
    // model has more classes): no allocation per batch.
    std::vector<pending> batch;
    std::vector<float> x, logits;
    std::vector<frame_result> out;
    uint64_t failed_batches = 0, last_fail_log = 0;

    void run()
    {
        std::unique_lock<std::mutex> lk(mtx);
        while (true) {
            // Wait for a full batch, or a partial one that waited long enough.
            while (running) {
                if (queue.size() >= opt.batch_size)
                    break;
                if (!queue.empty()) {
                    auto deadline =
                        queue.front().t +
                        std::chrono::duration<double, std::milli>(opt.max_wait_ms);
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
            batch.clear();
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

            for (size_t i = 0; i < n; i++)
                std::copy(batch[i].x.begin(), batch[i].x.end(), x.data() + i * 2 * L);
            const size_t C = m->info().classes.size();
            if (logits.size() < opt.batch_size * C)
                logits.resize(opt.batch_size * C);
            const auto t0 = clock_type::now();
            bool ok = true;
            std::string error;
            try {
                m->forward(x.data(), n, logits.data());
            } catch (const std::exception& e) {
                ok = false;
                error = e.what();
            }
            if (ok) {
                out.resize(n);
                for (size_t i = 0; i < n; i++)
                    softmax_row(logits.data() + i * C, C, out[i]);
            }
            const auto t1 = clock_type::now();
            if (ok) {
                for (size_t i = 0; i < n; i++) {
                    out[i].offset = batch[i].offset;
                    out[i].model_generation = gen;
                }
            } else if (++failed_batches >= 2 * last_fail_log) { // 1, 2, 4, ...
                last_fail_log = failed_batches;
                if (opt.log)
                    opt.log("inference failed (" + std::to_string(failed_batches) +
                            " batches so far, their frames not classified): " + error);
            }
            m.reset(); // a model swapped out meanwhile is released unlocked

            lk.lock();
            if (ok) {
                deliver_room_cv.wait(lk, [&] { return !running || deliveries.empty(); });
                delivery dl;
                if (!spare_deliveries.empty()) {
                    dl = std::move(spare_deliveries.back());
                    spare_deliveries.pop_back();
                }
                dl.results.swap(out); // out gets the recycled vectors back
                dl.arrived.clear();
                for (const auto& b : batch)
                    dl.arrived.push_back(b.t);
                deliveries.push_back(std::move(dl));
                delivering_frames += n;
                deliver_cv.notify_one();
            } else {
                st.failed += n;
            }
            for (auto& b : batch)
                spare.push_back(std::move(b.x));
            batch.clear();
            st.busy_seconds += std::chrono::duration<double>(t1 - t0).count();
            busy = false;
            busy_frames = 0;
            idle_cv.notify_all();
        }
    }

    //! The delivery thread: results out in batch order, then counted.
    void deliver()
    {
        std::unique_lock<std::mutex> lk(mtx);
        while (true) {
            deliver_cv.wait(lk, [&] { return !running || !deliveries.empty(); });
            if (!running)
                return;
            delivery dl = std::move(deliveries.front());
            deliveries.pop_front();
            lk.unlock();
            deliver_room_cv.notify_all();
            const auto t1 = clock_type::now();
            for (size_t i = 0; i < dl.results.size(); i++)
                dl.results[i].latency_s =
                    std::chrono::duration<double>(t1 - dl.arrived[i]).count();
            on_results(dl.results);
            const auto t2 = clock_type::now();
            lk.lock();
            st.classified += dl.results.size();
            st.batches++;
            st.deliver_seconds += std::chrono::duration<double>(t2 - t1).count();
            delivering_frames -= dl.results.size();
            spare_deliveries.push_back(std::move(dl));
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
        throw input_error(
            "classifier: batch size >= 1, queue >= batch size and threads >= 1 "
            "are needed");
    d->opt = opt;
    d->on_results = std::move(on_results);
    d->model = open_checked(model_path, frame_length, opt);
    d->L = d->model->info().frame_length;
    d->batch.reserve(opt.batch_size);
    d->x.assign(opt.batch_size * 2 * d->L, 0.0f);
    d->logits.assign(opt.batch_size * d->model->info().classes.size(), 0.0f);
    d->out.reserve(opt.batch_size);
    d->worker = std::thread([this] { d->run(); });
    d->deliverer = std::thread([this] { d->deliver(); });
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
    d->deliver_cv.notify_all();
    d->deliver_room_cv.notify_all();
    if (d->worker.joinable())
        d->worker.join();
    if (d->deliverer.joinable())
        d->deliverer.join();
}

model_info inference_engine::info() const
{
    std::lock_guard<std::mutex> lk(d->mtx);
    return d->model->info();
}

size_t inference_engine::frame_length() const { return d->L; }

std::string inference_engine::backend_description() const
{
    std::lock_guard<std::mutex> lk(d->mtx);
    return d->model->description();
}

bool inference_engine::push(uint64_t offset,
                            const float* frame,
                            bool wait,
                            time_point arrived)
{
    if (arrived == time_point())
        arrived = clock_type::now();
    std::unique_lock<std::mutex> lk(d->mtx);
    if (wait)
        d->room_cv.wait(
            lk, [&] { return !d->running || d->queue.size() < d->opt.queue_frames; });
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
    d->idle_cv.wait(lk, [&] {
        return !d->running || (d->queue.empty() && !d->busy && d->delivering_frames == 0);
    });
    d->opt.max_wait_ms = wait;
}

size_t inference_engine::in_flight() const
{
    std::lock_guard<std::mutex> lk(d->mtx);
    return d->queue.size() + d->busy_frames + d->delivering_frames;
}

void inference_engine::swap_model(const std::string& model_path)
{
    engine_options opt;
    {
        std::lock_guard<std::mutex> lk(d->mtx);
        opt = d->opt;
    }
    auto m = open_checked(model_path, d->L, opt); // in the caller's thread, unlocked
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
