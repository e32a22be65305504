/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Batched inference on its own thread, fed through a bounded queue: the
 * classifier block's engine, usable without a flowgraph. The model runs on
 * an inference_backend (the native engine, or LibTorch opened on demand);
 * the engine itself is torch-free. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_INFERENCE_ENGINE_H
#define INCLUDED_AMRCOMPRESS_INFERENCE_ENGINE_H

#include "inference_backend.h"
#include <gnuradio/amrcompress/api.h>
#include <gnuradio/amrcompress/model.h>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {

struct AMRCOMPRESS_API engine_options {
    size_t batch_size = 32;
    int threads = 1;           //!< compute threads of the engine thread
    size_t queue_frames = 512; //!< frames waiting for inference, at most
    double max_wait_ms =
        20;                //!< a partial batch runs once its first frame waited this long
    bool optimize = false; //!< LibTorch: freeze + optimize_for_inference (numerics may
                           //!< differ slightly)
    deploy::precision prec = deploy::precision::fp32; //!< native engine only
    std::string engine =
        "auto"; //!< "auto", "native" or "libtorch" (deploy::backend_options)
    //! LibTorch only: let it tune process-wide settings (lib/train/torch_runtime.h).
    bool process_tuning = false;
    //! Receives the line saying why a model falls back to LibTorch, and
    //! forward errors on the engine thread (at 1, 2, 4, ... failed batches).
    deploy::log_fn log;
};

struct AMRCOMPRESS_API frame_result {
    uint64_t offset = 0; //!< stream offset of the frame's first sample
    int32_t label = 0;
    float confidence = 0;
    std::vector<float> probs;
    //! From the frame's arrival (see push()) to the hand-out of its batch's results.
    double latency_s = 0;
    uint64_t model_generation = 0; //!< 0 for the first model, +1 per swap
};

struct AMRCOMPRESS_API engine_stats {
    uint64_t pushed = 0, classified = 0, dropped = 0, batches = 0, swaps = 0;
    uint64_t failed = 0; //!< frames of batches whose forward pass failed (not classified)
    size_t queue_high_water = 0;
    double busy_seconds = 0;    //!< time spent in forward()
    double deliver_seconds = 0; //!< time spent handing results out (messages, tags)
};

class AMRCOMPRESS_API inference_engine
{
public:
    using result_fn = std::function<void(std::vector<frame_result>&)>;

    /*!
     * Opens the model with the engine opt.engine asks for (deploy::open_backend)
     * and checks it against the input contract (float32 [B, 2, L] in, [B, C]
     * logits out, C = its class count); throws input_error for a file that is
     * not such a model, or whose frame length differs from `frame_length` (0:
     * take the model's). Results are delivered on the engine's delivery
     * thread (one thread, in batch order, overlapping the next batch's
     * forward pass), one call per batch (the vector is the engine's, reused).
     */
    inference_engine(const std::string& model_path,
                     size_t frame_length,
                     const engine_options& opt,
                     result_fn on_results);
    ~inference_engine(); //!< stops the thread; frames still queued are dropped

    model_info info() const;     //!< the model in use
    size_t frame_length() const; //!< fixed for the engine's life
    //! What runs the model in use, e.g. "native oneDNN int8" or "LibTorch fp32".
    std::string backend_description() const;

    using time_point = std::chrono::steady_clock::time_point;

    /*!
     * Queues one frame, [2 * L] floats (L of I, then L of Q), normalised.
     * When the queue is full: with `wait`, waits for room (backpressure);
     * without, drops the frame, counts it and returns false. `arrived`: when
     * the frame's last sample reached the caller (its latency counts from
     * there, so a wait for room is included); default: now.
     */
    bool push(uint64_t offset,
              const float* frame,
              bool wait = false,
              time_point arrived = time_point());
    //! Returns once every frame queued so far has been classified and delivered.
    void flush();
    //! Frames queued, being classified or waiting for delivery, not yet delivered.
    size_t in_flight() const;
    /*!
     * Opens another model (same options) and uses it from the next batch on.
     * Throws input_error, keeping the current model, when the new one does
     * not fit (frame length, contract); a different class list is allowed.
     */
    void swap_model(const std::string& model_path);
    engine_stats stats() const;

private:
    struct impl;
    std::unique_ptr<impl> d;
};

} // namespace amrcompress
} // namespace gr

#endif
