/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a pruning method gets to work with: the configuration, the data as
 * tensors, and the services every method shares (accuracy, fine-tuning,
 * linear probes, feature maps). Private (torch).
 */
#ifndef INCLUDED_AMRCOMPRESS_PRUNE_SESSION_H
#define INCLUDED_AMRCOMPRESS_PRUNE_SESSION_H

#include "../train/frame_tensors.h"
#include "net_state.h"
#include <gnuradio/amrcompress/prune.h>
#include <functional>
#include <random>

namespace gr {
namespace amrcompress {
namespace prune {

class prune_session
{
public:
    prune_session(const prune_config& cfg, const prune_progress_fn& progress);

    //! Takes the data; holds out cfg.probe_holdout of the train part (stratified
    //! by class, seeded) as probe_val.
    void set_data(frame_tensors train_part, frame_tensors test_part);

    const prune_config& cfg;
    frame_tensors train;                //!< the train part: fine-tuning
    frame_tensors test;                 //!< the test part: before/after numbers only
    frame_tensors probe_fit, probe_val; //!< the train part split for probes and scores
    std::mt19937_64 rng;
    nlohmann::json report = nlohmann::json::object(); //!< method details go here

    double accuracy(const net_state& net, const frame_tensors& data) const;

    /*!
     * Fine-tunes (Adam, StepLR, cfg's batch size and lr) for `epochs` on the
     * train part; `after_epoch` may edit the module after every epoch (soft
     * pruning). Records the stage's test accuracy in report["fine_tuning"].
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

private:
    prune_progress_fn progress_;
};

} // namespace prune
} // namespace amrcompress
} // namespace gr

#endif
