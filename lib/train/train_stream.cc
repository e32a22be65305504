/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../util/read_ahead.h"
#include "frame_set.h"
#include "train_stream.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <torch/torch.h>

namespace gr {
namespace amrcompress {

namespace {

// The rank's positions of [first, last) and their rows.
std::vector<int64_t> rank_rows(const std::vector<int64_t>& order,
                               size_t first,
                               size_t last,
                               size_t batch,
                               int rank,
                               int world)
{
    if (world <= 1)
        return std::vector<int64_t>(order.begin() + first, order.begin() + last);
    std::vector<int64_t> rows;
    for (size_t p : rank_positions(first, last, batch, rank, world))
        rows.push_back(order[p]);
    return rows;
}

} // namespace

train_unit memory_unit(const frame_tensors& train,
                       const std::vector<int64_t>& order,
                       size_t batch,
                       int rank,
                       int world)
{
    train_unit u;
    u.t = train;
    u.rows = rank_rows(order, 0, order.size(), batch, rank, world);
    u.local = torch::tensor(u.rows, torch::kInt64);
    u.first = 0;
    u.last = order.size();
    return u;
}

unit_source single_unit(train_unit u)
{
    auto held = std::make_shared<train_unit>(std::move(u));
    return [held](train_unit& out) mutable {
        if (!held)
            return false;
        out = std::move(*held);
        held.reset();
        return true;
    };
}

namespace {

// Shuffled blocks of at most 1 MiB of frames, whatever the chunk size: a
// window then gathers many places of the file, and libhdf5 reads part of an
// uncached chunk directly.
size_t block_frames(const dataset_reader& ds)
{
    const size_t frame_bytes = ds.info().frame_length * 2 * sizeof(float);
    const size_t mib = std::max<size_t>(1, (size_t(1) << 20) / frame_bytes);
    return ds.chunk_frames() ? std::min(ds.chunk_frames(), mib) : mib;
}

} // namespace

train_stream::train_stream(const dataset_reader& ds,
                           std::vector<size_t> rows,
                           size_t window,
                           size_t batch,
                           int rank,
                           int world,
                           size_t hold_frames)
    : ds_(ds),
      rows_(std::move(rows)),
      window_(rows_.size()),
      batch_(std::max<size_t>(batch, 1)),
      rank_(rank),
      world_(world)
{
    const size_t n = rows_.size();
    const size_t hold =
        hold_frames ? hold_frames : hold_limit_frames(ds.info().frame_length);
    if (window > 0 && window < n) {
        mode_ = mode::windows;
        window_ = window;
        unit_ = std::max(window_, 2 * batch_); // plan_epoch's shortest window
        blocks_ = chunk_blocks(rows_, block_frames(ds_));
    } else if (world <= 1 && n <= hold) {
        mode_ = mode::held;
        all_ = load_frames(ds_, rows_);
    } else {
        // Two units alive (one training, the next being read): together
        // they take what a held selection may.
        mode_ = mode::permuted;
        unit_ = std::max(hold / 2, 2 * batch_);
    }
}

epoch_order train_stream::plan(std::mt19937_64& rng) const
{
    if (mode_ == mode::permuted)
        return permuted_epoch(rows_.size(), unit_, batch_, rng);
    return plan_epoch(
        blocks_, rows_.size(), mode_ == mode::windows ? window_ : 0, batch_, rng);
}

train_unit train_stream::load_unit(const epoch_order& p, size_t k) const
{
    train_unit u;
    u.first = k ? p.unit_end[k - 1] : 0;
    u.last = p.unit_end[k];
    u.rows = rank_rows(p.order, u.first, u.last, batch_, rank_, world_);
    std::vector<size_t> file_index(u.rows.size());
    for (size_t i = 0; i < u.rows.size(); i++)
        file_index[i] = rows_[size_t(u.rows[i])];
    u.t = load_frames(ds_, file_index);
    u.local = torch::arange(int64_t(u.rows.size()), torch::kInt64);
    return u;
}

unit_source train_stream::epoch(epoch_order p)
{
    if (mode_ == mode::held)
        return single_unit(memory_unit(all_, p.order, batch_, rank_, world_));
    auto plan = std::make_shared<epoch_order>(std::move(p));
    const size_t units = plan->unit_end.size();
    units_read_ += units;
    auto ahead = std::make_shared<read_ahead<train_unit>>(
        units, [this, plan](size_t k) { return load_unit(*plan, k); });
    return [ahead](train_unit& out) { return ahead->next(out); };
}

} // namespace amrcompress
} // namespace gr
