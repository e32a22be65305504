/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One training epoch over in-memory frames, shared by `amr train` and the
 * fine-tuning inside pruning. Private (torch).
 */
#ifndef INCLUDED_AMRCOMPRESS_EPOCH_LOOP_H
#define INCLUDED_AMRCOMPRESS_EPOCH_LOOP_H

#include "frame_set.h"
#include "frame_tensors.h"
#include "train_stream.h"
#include <torch/torch.h>
#include <functional>
#include <map>
#include <stdexcept>
#include <vector>

namespace gr {
namespace amrcompress {

struct epoch_totals {
    double loss_sum = 0;
    size_t correct = 0;
};

//! The loss stopped being finite (not a communication failure).
struct training_diverged : std::runtime_error {
    using std::runtime_error::runtime_error;
};

//! Per-sample outcome of a step: row of the sample in the training tensors.
using sample_fn = std::function<void(int64_t row, int64_t prediction, float loss)>;

/*!
 * A data-parallel run's share of each batch: rank r of `world` trains on the
 * r-th of `world` contiguous slices of every global batch, with the loss
 * scaled so the averaged gradients equal the global batch's mean loss
 * gradient. `sync_step` is called before and `end_sync` after the backward of
 * each step whose gradients must be averaged over the ranks. A batch smaller than `world`
 * is trained whole by every rank without communication (rank 0 reports its samples).
 */
struct batch_shard {
    int rank = 0, world = 1;
    std::function<void()> sync_step, end_sync;
};

/*!
 * Trains m (train mode) on an epoch's units (train_stream.h), batch by batch
 * over each unit's positions. on_sample and the totals cover the samples this
 * rank trained on. Throws training_diverged when the loss stops being finite.
 */
epoch_totals run_train_epoch(torch::jit::Module& m,
                             torch::optim::Optimizer& opt,
                             const unit_source& units,
                             size_t batch_size,
                             int epoch,
                             const sample_fn& on_sample = nullptr,
                             const std::function<void()>& on_batch = nullptr,
                             const batch_shard& shard = {});

//! The same over frames in memory: the rows of `train` in `order`.
epoch_totals run_train_epoch(torch::jit::Module& m,
                             torch::optim::Optimizer& opt,
                             const frame_tensors& train,
                             const std::vector<int64_t>& order,
                             size_t batch_size,
                             int epoch,
                             const sample_fn& on_sample = nullptr,
                             const std::function<void()>& on_batch = nullptr,
                             const batch_shard& shard = {});

//! StepLR: lr * gamma^(epoch / step), set on every parameter group of an Adam.
double set_step_lr(torch::optim::Adam& opt, double lr, int epoch, int step, double gamma);

//! Accuracy and mean cross-entropy of m (eval mode) on the frames.
struct test_eval {
    double loss = 0, acc = 0;
    std::vector<int64_t> pred;
};
test_eval evaluate_tensors(torch::jit::Module& m, const frame_tensors& t, size_t batch);

//! The same over a frame set, visited a block at a time (the loss is
//! summed per frame, so it may differ from evaluate_tensors' in the last bits).
test_eval evaluate_set(torch::jit::Module& m, const frame_set& s, size_t batch);

//! Accuracy per SNR value of predictions `pred` (one per row of t).
std::map<float, double> accuracy_per_snr(const frame_tensors& t,
                                         const std::vector<int64_t>& pred);
//! The same from the frames' labels and SNRs.
std::map<float, double> accuracy_per_snr(const std::vector<int64_t>& labels,
                                         const std::vector<float>& snr_db,
                                         const std::vector<int64_t>& pred);

} // namespace amrcompress
} // namespace gr

#endif
