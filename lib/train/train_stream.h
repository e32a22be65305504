/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The training frames of a run, either held in memory (a selection that fits
 * one shuffle window, one process) or streamed from the file one read unit
 * at a time with the next unit read ahead (epoch_order.h). A data-parallel
 * rank reads only the frames of its own slices of the global batches.
 * Private (torch).
 */
#ifndef INCLUDED_AMRCOMPRESS_TRAIN_STREAM_H
#define INCLUDED_AMRCOMPRESS_TRAIN_STREAM_H

#include "epoch_order.h"
#include "frame_tensors.h"
#include <functional>
#include <memory>
#include <random>
#include <vector>

namespace gr {
namespace amrcompress {

//! The frames of positions [first, last) of an epoch's order that one rank trains.
struct train_unit {
    frame_tensors t;     //!< the frames
    torch::Tensor local; //!< int64: row of t for each of the rank's positions, in order
    std::vector<int64_t>
        rows; //!< the training-list row of each (the dynamics record's row)
    size_t first = 0, last = 0;
};

//! An epoch's units, in order; false after the last.
using unit_source = std::function<bool(train_unit&)>;

//! One unit over frames held in memory: rows `order` of `train`, as the rank trains them.
train_unit memory_unit(const frame_tensors& train,
                       const std::vector<int64_t>& order,
                       size_t batch,
                       int rank,
                       int world);

//! A source of the one unit u.
unit_source single_unit(train_unit u);

/*!
 * The training frames of one rank, as an epoch's units. Three ways, by
 * size (docs/dataset-format.md, "Streaming the training frames"):
 * - held: one process, no more than `hold_frames` frames (0: 256 MiB of
 *   them): read once, a full permutation each epoch;
 * - permuted: a larger selection, or any rank of several: the same full
 *   permutation (the same draws, the same batches), read in units of half
 *   `hold_frames` in file order, the next unit read ahead;
 * - windows: `window` > 0 and below the selection: 1 MiB blocks in shuffled
 *   order, shuffled within windows of `window` frames, for storage where a
 *   read per frame is too slow (seeks).
 */
class train_stream
{
public:
    //! `rows` are the training frames' indices in ds (ascending).
    train_stream(const dataset_reader& ds,
                 std::vector<size_t> rows,
                 size_t window,
                 size_t batch,
                 int rank,
                 int world,
                 size_t hold_frames = 0);

    bool in_memory() const { return mode_ == mode::held; }
    //! Every epoch is a full permutation (held or permuted).
    bool full_shuffle() const { return mode_ != mode::windows; }
    //! Frames shuffled together: all of them unless in windows.
    size_t window() const { return window_; }
    //! Frames of a read unit (0: held).
    size_t read_unit() const { return unit_; }
    size_t size() const { return rows_.size(); }
    size_t read_units() const { return units_read_; }

    //! The next epoch's order, drawn from rng.
    epoch_order plan(std::mt19937_64& rng) const;
    //! The epoch's units; the stream must outlive the source.
    unit_source epoch(epoch_order p);

private:
    enum class mode { held, permuted, windows };
    train_unit load_unit(const epoch_order& p, size_t k) const;

    const dataset_reader& ds_;
    std::vector<size_t> rows_, blocks_;
    size_t window_, unit_ = 0, batch_;
    int rank_, world_;
    mode mode_;
    frame_tensors all_; // held only
    size_t units_read_ = 0;
};

} // namespace amrcompress
} // namespace gr

#endif
