/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "frame_set.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <torch/torch.h>

namespace gr {
namespace amrcompress {

size_t hold_limit_frames(size_t frame_length, size_t mib)
{
    return std::max<size_t>(
        1, (mib << 20) / (std::max<size_t>(frame_length, 1) * 2 * sizeof(float)));
}

frame_set::frame_set(const dataset_reader& ds,
                     std::vector<size_t> rows,
                     size_t hold_frames)
    : ds_(&ds), rows_(std::move(rows))
{
    if (rows_.size() <= hold_frames)
        held_ = load_frames(ds, rows_);
}

std::vector<int64_t> frame_set::labels() const
{
    std::vector<int64_t> v(rows_.size());
    for (size_t i = 0; i < rows_.size(); i++)
        v[i] = ds_->labels()[rows_[i]];
    return v;
}

std::vector<float> frame_set::snr_db() const
{
    std::vector<float> v(rows_.size());
    for (size_t i = 0; i < rows_.size(); i++)
        v[i] = ds_->snr_db()[rows_[i]];
    return v;
}

void frame_set::for_each(
    size_t block, const std::function<void(const frame_tensors&, size_t)>& fn) const
{
    block = std::max<size_t>(block, 1);
    if (!held()) {
        for_each_tensor_block(*ds_, rows_, block, fn);
        return;
    }
    for (size_t s = 0; s < rows_.size(); s += block) {
        const int64_t e = int64_t(std::min(rows_.size(), s + block));
        frame_tensors t;
        t.x = held_.x.slice(0, int64_t(s), e);
        t.labels = held_.labels.slice(0, int64_t(s), e);
        t.snr_db.assign(held_.snr_db.begin() + s, held_.snr_db.begin() + e);
        fn(t, s);
    }
}

frame_tensors frame_set::first(size_t n) const
{
    n = std::min(n, rows_.size());
    if (!held())
        return load_frames(*ds_, std::vector<size_t>(rows_.begin(), rows_.begin() + n));
    frame_tensors t;
    t.x = held_.x.slice(0, 0, int64_t(n));
    t.labels = held_.labels.slice(0, 0, int64_t(n));
    t.snr_db.assign(held_.snr_db.begin(), held_.snr_db.begin() + n);
    return t;
}

} // namespace amrcompress
} // namespace gr
