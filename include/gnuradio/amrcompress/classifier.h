/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_CLASSIFIER_H
#define INCLUDED_AMRCOMPRESS_CLASSIFIER_H

#include <gnuradio/amrcompress/api.h>
#include <gnuradio/block.h>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {

/*!
 * \brief Classifies the modulation of a complex stream with a model file.
 * \ingroup amrcompress
 *
 * Cuts the stream into frames of the model's frame length every `hop`
 * samples (0: the frame length), normalises each as the model's metadata
 * says (VOLK), and runs them in batches through the model on an inference
 * thread of its own, so the scheduler's thread only frames and copies.
 *
 * Engines (`engine`): a zoo model (an `amr train` / `amr prune` model whose
 * architecture has a native graph: cnn1d, resnet, cnn2d and their pruned
 * variants) runs on the native engine (oneDNN, at `precision` fp32, bf16 or
 * int8) without LibTorch; any other TorchScript model that follows the
 * contract (docs/models.md; also the LSTM) runs on LibTorch (fp32), which
 * is then loaded on demand. "auto" (default) takes the native engine when
 * it can run the model at that precision, else LibTorch, with one log line
 * saying why; "native" refuses (input_error) a model it cannot run;
 * "libtorch" always uses LibTorch. backend() says which one runs.
 *
 * Process-wide settings: the block changes none by default. With LibTorch
 * it sets the per-thread settings (intra-op threads, TorchScript's graph
 * optimiser) on its inference thread only. With `process_tuning` (opt-in;
 * AMR_PROCESS_TUNING=0 in the environment vetoes it) it also tunes the
 * process on its first batch as the amr tools do: glibc malloc thresholds
 * and OpenBLAS's thread count (lib/train/torch_runtime.h).
 *
 * Outputs (each can be switched off; they cost nothing when off):
 * - message port `classification` (`frame_messages`, default on): one PMT
 *   dict per frame: `offset` (u64, first sample), `class` (long), `label`
 *   (symbol), `confidence` (double), `probs` (f32vector), `latency` (seconds
 *   from the arrival of the frame's last sample to its result), `model`
 *   (u64: 0 for the first model, +1 per swap) and, when the stream carries
 *   rx_time and a sample rate (rx_rate tag or the `sample_rate` parameter),
 *   `rx_time` (tuple of u64 seconds, double fraction) of the frame's first
 *   sample;
 * - message port `classifications` (`batch_messages`, default off): one
 *   PMT dict per batch of n frames, built from uniform vectors: `offset`
 *   (u64vector, n), `class` (s32vector, n), `confidence` (f32vector, n),
 *   `probs` (f32vector, n x C row-major), `latency` (f64vector, n), `model`
 *   (u64) and `labels` (list of the C class names as symbols);
 * - stream outputs, in this order when on: the input passed through with
 *   an `amr_class` tag (the per-frame dict, built for the tags even when
 *   `frame_messages` is off) at or after each classified frame's start
 *   (`passthrough`); one probability vector (C floats) per classified frame
 *   (`probabilities`); one int32 class index per classified frame
 *   (`class_output`).
 *
 * Overload: frames wait in a queue of `queue_frames`; when it is full a new
 * frame is dropped and counted (logged, and in stats()), and the input keeps
 * flowing: an SDR source upstream is never stalled. With `backpressure` the
 * block waits for room instead (no drops; upstream slows down).
 *
 * Input message port `model`: a PMT symbol (or dict with `path`) naming
 * another model file; it is checked and used from the next batch on, without
 * stopping the flowgraph (opened with the same engine, precision and
 * options). A model that does not fit (frame length, contract, or a
 * different class count while the probability output is on) is refused
 * with an error in the log and the current model stays.
 *
 * `optimize` (LibTorch only) freezes the model and runs
 * torch.jit.optimize_for_inference on it (BatchNorm folded into the convs,
 * oneDNN kernels): ResNet56 +24 % frames/s here, CNN1D unchanged
 * (docs/benchmarks.md); the arithmetic differs in the last bits, so a
 * near-tie can flip against `amr eval`.
 *
 * A finite stream (replay) ends cleanly: on the `amr_eos` tag that
 * dataset_source puts on its last sample, and at stop(), every frame still
 * queued is classified and published first.
 */
class AMRCOMPRESS_API classifier : virtual public gr::block
{
public:
    typedef std::shared_ptr<classifier> sptr;

    /*!
     * Throws (input_error) when the model file is unusable, its frame length
     * differs from `frame_length` (0: accept the model's), `precision` is not
     * "fp32", "bf16" or "int8", `engine` is not "auto", "native" or
     * "libtorch", or the engine asked for cannot run the model.
     */
    static sptr make(const std::string& model_path,
                     int hop = 0,
                     int batch_size = 32,
                     int threads = 1,
                     int queue_frames = 512,
                     bool backpressure = false,
                     bool passthrough = false,
                     bool probabilities = false,
                     double sample_rate = 0,
                     int frame_length = 0,
                     bool optimize = false,
                     const std::string& precision = "fp32",
                     const std::string& engine = "auto",
                     bool batch_messages = false,
                     bool class_output = false,
                     bool frame_messages = true,
                     bool process_tuning = false);

    virtual int frame_length() const = 0;
    virtual std::vector<std::string> classes() const = 0;
    virtual uint64_t frames_classified() const = 0;
    virtual uint64_t frames_dropped() const = 0;
    /*!
     * Counters as JSON: pushed, classified, dropped, failed (frames of
     * batches whose forward pass failed), batches, swaps, queue high water,
     * busy and delivery seconds, bad frames, and "backend" (as backend()).
     */
    virtual std::string stats() const = 0;
    //! What runs the model in use, e.g. "native oneDNN int8" or "LibTorch fp32".
    virtual std::string backend() const = 0;
    //! Loads another model (as the `model` port does); throws input_error when unfit.
    virtual void set_model(const std::string& model_path) = 0;
};

} // namespace amrcompress
} // namespace gr

#endif
