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
 * \brief Classifies the modulation of a complex stream with a TorchScript model.
 * \ingroup amrcompress
 *
 * Cuts the stream into frames of the model's frame length every `hop`
 * samples (0: the frame length), normalises each as the model's metadata
 * says (VOLK), and runs them in batches through the model on an inference
 * thread of its own, so the scheduler's thread only frames and copies.
 *
 * Output: message port `classification`, one PMT dict per frame: `offset`
 * (u64, first sample), `class` (long), `label` (symbol), `confidence`
 * (double), `probs` (f32vector), `latency` (seconds from the arrival of
 * the frame's last sample to its result), `model` (u64: 0 for the first
 * model, +1 per swap) and, when the stream carries rx_time and a sample rate
 * (rx_rate tag or the
 * `sample_rate` parameter), `rx_time` (tuple of u64 seconds, double
 * fraction) of the frame's first sample. Optional stream outputs: the input
 * passed through with an `amr_class` tag (the same dict) at or after each
 * classified frame's start, and one probability vector (C floats) per
 * classified frame.
 *
 * Overload: frames wait in a queue of `queue_frames`; when it is full a new
 * frame is dropped and counted (logged, and in stats()), and the input keeps
 * flowing: an SDR source upstream is never stalled. With `backpressure` the
 * block waits for room instead (no drops; upstream slows down).
 *
 * Input message port `model`: a PMT symbol (or dict with `path`) naming
 * another model file; it is checked and used from the next batch on, without
 * stopping the flowgraph. A model that does not fit (frame length, contract,
 * or a different class count while the probability output is on) is refused
 * with an error in the log and the current model stays.
 *
 * `optimize` freezes the model and runs torch.jit.optimize_for_inference on
 * it (BatchNorm folded into the convs, oneDNN kernels): ResNet56 +24 % frames/s
 * here, CNN1D unchanged (docs/benchmarks.md); the arithmetic differs in the
 * last bits, so a near-tie can flip against `amr eval`.
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
     * Throws (input_error) when the model file is unusable or its frame length
     * differs from `frame_length` (0: accept the model's).
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
                     bool optimize = false);

    virtual int frame_length() const = 0;
    virtual std::vector<std::string> classes() const = 0;
    virtual uint64_t frames_classified() const = 0;
    virtual uint64_t frames_dropped() const = 0;
    //! Counters as JSON: pushed, classified, dropped, batches, swaps, queue high water, busy seconds.
    virtual std::string stats() const = 0;
    //! Loads another model (as the `model` port does); throws input_error when unfit.
    virtual void set_model(const std::string& model_path) = 0;
};

} // namespace amrcompress
} // namespace gr

#endif
