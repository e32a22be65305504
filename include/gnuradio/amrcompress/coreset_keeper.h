/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_CORESET_KEEPER_H
#define INCLUDED_AMRCOMPRESS_CORESET_KEEPER_H

#include <gnuradio/amrcompress/api.h>
#include <gnuradio/sync_block.h>
#include <cmath>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {

/*!
 * \brief Keeps, on the radio host, a FoQuS coreset of at most `budget`
 * labelled frames of what the radio sees.
 * \ingroup amrcompress
 *
 * Frames of the model's frame length are cut every `hop` samples (0: back to
 * back) and labelled like dataset_sink labels them: an `amr_label` tag (with
 * `amr_snr`) in force at the frame's first sample, else the last `label`
 * message, else the `label` parameter. The frames wait in a bounded buffer
 * (`buffer_frames`). When it is full, a live stream drops the frame and
 * counts it (the stream is never held up); with `backpressure` the block
 * waits for the worker to take the buffer instead, so a replayed file, which
 * runs faster than refreshes, loses nothing and the coreset sees every class. Every
 * `refresh_frames` frames (or `refresh_seconds` after the first), a worker thread trains
 * the small model for `epochs_per_refresh` epochs over the coreset plus the new frames,
 * recording each frame's correctness and loss; the accumulated trajectories give FoQuS
 * scores, and the tiered FoQuS policy keeps at most `budget` frames, balanced per class
 * (and per SNR bin with `stratify_snr`).
 *
 * The coreset is saved atomically to `state_path` (an ordinary dataset file
 * with the trajectories in a /keeper group, and the model beside it as
 * NAME.model.pt) every `save_every` refreshes and at stop; a keeper started
 * on an existing file resumes from it. With `finetune_epochs` > 0 the model
 * is fine-tuned on the coreset after each refresh, exported to
 * `export_path`, and the path is published on the `model` port (wire it to
 * a classifier's `model` input). The `stats` port publishes a dict after
 * each refresh (see stats()).
 *
 * Process-wide settings: the keeper sets LibTorch's per-thread settings on
 * its own threads only. With `process_tuning` it also applies the
 * process-wide ones the amr tools use (glibc malloc thresholds, OpenBLAS's
 * thread count; lib/train/torch_runtime.h), which change the whole process:
 * off by default.
 */
class AMRCOMPRESS_API coreset_keeper : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<coreset_keeper> sptr;

    /*!
     * \param model a model file (.pt), or an architecture name / JSON spec
     *        for fresh weights (then `classes` and `frame_length` are needed)
     * \param classes class names (empty: the model's)
     * \param budget most frames kept
     * \param state_path the coreset file ("" : kept in memory only)
     */
    static sptr make(const std::string& model,
                     const std::vector<std::string>& classes,
                     int budget,
                     const std::string& state_path,
                     int frame_length = 0,
                     int hop = 0,
                     const std::string& label = "",
                     double snr_db = NAN,
                     int refresh_frames = 500,
                     double refresh_seconds = 0,
                     int epochs_per_refresh = 2,
                     bool stratify_snr = false,
                     double snr_bin_db = 2,
                     int save_every = 1,
                     int finetune_epochs = 0,
                     const std::string& export_path = "",
                     int buffer_frames = 0,
                     int holdout_frames = 256,
                     int threads = 1,
                     int seed = 1,
                     bool backpressure = false,
                     bool process_tuning = false);

    //! Frames in the coreset now.
    virtual size_t size() const = 0;
    virtual uint64_t refreshes() const = 0;
    virtual int frame_length() const = 0;
    virtual std::vector<std::string> classes() const = 0;
    /*!
     * Counters as a JSON string: size, budget, per_class, per_snr_bin,
     * offered, queued, dropped, nonfinite, held_out, admitted, passed_over,
     * evictions, refreshes, saves, exports, waiting, last/total refresh
     * seconds, holdout_accuracy, holdout_size, resumed_frames, unlabelled,
     * unknown_class, error.
     */
    virtual std::string stats() const = 0;
    virtual void set_label(const std::string& label) = 0;
    virtual std::string label() const = 0;
    //! Saves the coreset now (input_error without a state path).
    virtual void save() = 0;
};

} // namespace amrcompress
} // namespace gr

#endif
