/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The on-device FoQuS coreset keeper without the GNU Radio scheduler: frames
 * are offered (dropped when the buffer is full, or waiting for room with
 * backpressure), a worker thread scores the coreset plus the
 * new frames by training the small model on them, keeps what FoQuS's tiered
 * policy chooses within the budget, saves the coreset atomically, and can
 * fine-tune and export the model. The block (coreset_keeper_impl) adapts it.
 * Torch stays in keeper_core.cc.
 */
#ifndef INCLUDED_AMRCOMPRESS_KEEPER_CORE_H
#define INCLUDED_AMRCOMPRESS_KEEPER_CORE_H

#include "coreset/foqus_policy.h"
#include <gnuradio/amrcompress/api.h>
#include <gnuradio/amrcompress/coreset.h>
#include <gnuradio/gr_complex.h>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {
namespace keeper {

struct AMRCOMPRESS_API keeper_config {
    //! A model file (.pt from amr train / amr prune), or an architecture name
    //! or JSON spec to start from fresh weights.
    std::string model = "cnn1d";
    std::vector<std::string> classes; //!< empty: the model file's
    size_t frame_length = 0; //!< 0: the model file's (required for a fresh model)
    std::string normalisation = "l1"; //!< for a fresh model; a model file's own otherwise
    size_t budget = 1000;             //!< most frames kept
    bool stratify_snr = false;        //!< also balance SNR bins within a class
    double snr_bin_db = 2;
    size_t refresh_frames = 500; //!< a refresh after this many new frames
    double refresh_seconds = 0;  //!< ... or this long after the first (0: off)
    int epochs_per_refresh = 2;  //!< scoring epochs over coreset + new frames
    size_t batch_size = 64;
    double lr = 1e-3; //!< Adam
    size_t buffer_frames =
        0; //!< frames waiting between refreshes (0: 4 x refresh_frames)
    size_t holdout_frames = 256; //!< held-out slice for the model's accuracy (0: none)
    size_t holdout_every = 10;   //!< one arriving frame in N goes to the held-out slice
    std::string state_path;      //!< the coreset file ("" : not saved)
    size_t save_every = 1;       //!< save every N refreshes (and at stop)
    bool resume = true;          //!< start from state_path when it exists
    int finetune_epochs = 0;     //!< after a refresh, epochs on the coreset alone
    std::string export_path;     //!< where the fine-tuned model goes (.pt)
    int threads = 1;             //!< LibTorch threads of the worker
    //! Let the keeper apply the process-wide LibTorch settings (glibc malloc
    //! thresholds, OpenBLAS threads; lib/train/torch_runtime.h). Off: only its
    //! own threads' settings, the process is the user's.
    bool process_tuning = false;
    uint64_t seed = 1;
    foqus_options foqus;
};

struct AMRCOMPRESS_API keeper_stats {
    size_t size = 0, budget = 0;
    std::vector<size_t> per_class;
    std::map<long, size_t> per_snr_bin; //!< bin index (floor(snr / bin width)) -> frames
    uint64_t offered = 0, queued = 0, dropped = 0, nonfinite = 0, held_out = 0;
    uint64_t admitted = 0;    //!< new frames that entered the coreset
    uint64_t passed_over = 0; //!< new frames scored and not kept
    uint64_t evictions = 0;   //!< members removed to make room
    uint64_t refreshes = 0, saves = 0, exports = 0;
    size_t waiting = 0; //!< frames in the buffer now
    double last_refresh_seconds = 0, total_refresh_seconds = 0, last_save_seconds = 0;
    double holdout_accuracy = -1; //!< -1: no held-out frames yet
    size_t holdout_size = 0;
    size_t resumed_frames = 0; //!< frames loaded from state_path at start
    std::string last_export, error;
    std::string to_json(const std::vector<std::string>& classes, double snr_bin_db) const;
};

class AMRCOMPRESS_API keeper_core
{
public:
    //! Loads the model (input_error if it does not fit) and resumes from
    //! state_path when it exists. Does not start the worker.
    explicit keeper_core(const keeper_config& cfg);
    ~keeper_core(); //!< stop(false)

    /*!
     * A labelled frame (L complex samples, label in [0, classes)). Returns
     * false when the frame is not taken: buffer full (dropped, counted),
     * NaN/Inf samples (counted) or stopped. Without \p wait it never blocks
     * on a refresh; with it, a full buffer waits for the running worker to
     * take the waiting frames (backpressure: a replayed file then loses
     * nothing), or for stop().
     */
    bool offer(const gr_complex* frame,
               int label,
               float snr_db,
               int64_t id,
               double time = 0,
               bool wait = false);

    //! Runs refreshes on a worker thread (at refresh_frames / refresh_seconds).
    void start();
    /*!
     * Stops the worker; with final_refresh, the frames still waiting are
     * scored first. Then saves (when a state_path is set).
     */
    void stop(bool final_refresh = true);
    //! One refresh now, on the caller's thread (worker not running).
    void refresh();
    void save();

    //! Called on the worker thread after each refresh (stats, exported model or "").
    using refresh_fn =
        std::function<void(const keeper_stats&, const std::string& exported)>;
    void on_refresh(refresh_fn fn);

    keeper_stats stats() const;
    std::string stats_json() const;
    const std::vector<std::string>& classes() const;
    size_t frame_length() const;
    size_t budget() const;
    //! The coreset now: capture ids (as offered), labels and tallies.
    std::vector<int64_t> member_ids() const;
    std::vector<int32_t> member_labels() const;
    std::vector<coreset::foqus_tally> member_tallies() const;

private:
    struct impl;
    std::unique_ptr<impl> d;
};

} // namespace keeper
} // namespace amrcompress
} // namespace gr

#endif
