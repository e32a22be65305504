/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a pruning method gets to work with: the configuration, the data
 * (held when small, streamed when large), and the services every method shares (accuracy,
 * fine-tuning, linear probes, feature maps). Private (torch).
 */
#ifndef INCLUDED_AMRCOMPRESS_PRUNE_SESSION_H
#define INCLUDED_AMRCOMPRESS_PRUNE_SESSION_H

#include "../train/frame_set.h"
#include "../train/train_stream.h"
#include "net_state.h"
#include <gnuradio/amrcompress/prune.h>
#include <functional>
#include <memory>
#include <random>

namespace gr {
namespace amrcompress {
namespace prune {

class prune_session
{
public:
    prune_session(const prune_config& cfg, const prune_progress_fn& progress);

    /*!
     * Takes the data: the train and test parts' frame indices in ds (which
     * must outlive the session); holds out cfg.probe_holdout of the train part
     * (stratified by class, seeded) as probe_val. Parts larger than 256 MiB
     * are read from the file whenever they are visited, never held.
     */
    void set_data(const dataset_reader& ds,
                  const std::vector<size_t>& train_rows,
                  const std::vector<size_t>& test_rows);

    const prune_config& cfg;
    frame_set test;                     //!< the test part: before/after numbers only
    frame_set probe_val;                //!< the held-out part of train: probes and scores
    std::vector<size_t> train_rows;     //!< the train part: fine-tuning
    std::vector<size_t> probe_fit_rows; //!< the train part less probe_val: probes
    std::mt19937_64 rng;
    nlohmann::json report = nlohmann::json::object(); //!< method details go here

    double accuracy(const net_state& net, const frame_set& data) const;

    /*!
     * Fine-tunes (Adam, StepLR, cfg's batch size and lr) for `epochs` on the
     * train part; `after_epoch` may edit the module after every epoch (soft
     * pruning). Records the stage's test accuracy in report["fine_tuning"].
     * Checkpointed after every epoch (prune_config::resume); the session's
     * random state when it returns depends only on the configuration and the
     * stage, so a resumed run recomputes the steps between stages exactly.
     */
    net_state
    finetune(const net_state& net,
             int epochs,
             const std::string& stage,
             const std::function<void(torch::jit::Module&)>& after_epoch = nullptr);

    /*!
     * Linear probes (Eq. 7): the model frozen, one linear classifier per
     * named tap trained on its flattened output (cfg.probe_*: Adam, epochs,
     * batch) on probe_fit; returns each probe's accuracy on probe_val.
     */
    std::vector<double> probe_accuracies(const net_state& net,
                                         const std::vector<std::string>& taps);

    //! The outputs of the named taps for the first n frames of probe_val.
    std::vector<torch::Tensor>
    feature_maps(const net_state& net, const std::vector<std::string>& taps, size_t n);

    void progress(const std::string& stage, size_t done, size_t total) const;

    //! The fine-tuning checkpoints written so far (removed by the caller at the end).
    std::vector<std::string> checkpoints() const;

private:
    int finetunes_ = 0; //!< fine-tuning stages started: the next one's number
    prune_progress_fn progress_;
    const dataset_reader* ds_ = nullptr;
    std::unique_ptr<train_stream> train_, probe_fit_;
};

} // namespace prune
} // namespace amrcompress
} // namespace gr

#endif
