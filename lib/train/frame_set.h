/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Some frames of a dataset to evaluate or score on: held in memory when they
 * are few, else read from the file a block at a time, the next block read
 * ahead, every time they are visited. Private (torch).
 */
#ifndef INCLUDED_AMRCOMPRESS_FRAME_SET_H
#define INCLUDED_AMRCOMPRESS_FRAME_SET_H

#include "frame_tensors.h"
#include <functional>
#include <vector>

namespace gr {
namespace amrcompress {

class frame_set
{
public:
    frame_set() = default;
    //! Holds the frames when there are at most `hold_frames` of them.
    frame_set(const dataset_reader& ds, std::vector<size_t> rows, size_t hold_frames);

    size_t size() const { return rows_.size(); }
    bool held() const { return held_.x.defined(); }
    const std::vector<size_t>& rows() const { return rows_; }
    std::vector<int64_t> labels() const;
    std::vector<float> snr_db() const;

    //! Every frame in row order, `block` at a time: fn(frames, position of the first).
    void for_each(size_t block,
                  const std::function<void(const frame_tensors&, size_t)>& fn) const;
    //! The first n frames (all when fewer).
    frame_tensors first(size_t n) const;

private:
    const dataset_reader* ds_ = nullptr;
    std::vector<size_t> rows_;
    frame_tensors held_;
};

//! Frames of `mib` MiB (at least one): what a frame set or the training
//! frames hold in memory (256 MiB unless amr train --frame-memory says).
size_t hold_limit_frames(size_t frame_length, size_t mib = 256);

} // namespace amrcompress
} // namespace gr

#endif
