/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "epoch_order.h"
#include <algorithm>
#include <numeric>

namespace gr {
namespace amrcompress {

std::vector<size_t> chunk_blocks(const std::vector<size_t>& file_index, size_t chunk_rows)
{
    chunk_rows = std::max<size_t>(chunk_rows, 1);
    std::vector<size_t> starts;
    for (size_t i = 0; i < file_index.size(); i++)
        if (i == 0 || file_index[i] / chunk_rows != file_index[i - 1] / chunk_rows)
            starts.push_back(i);
    if (starts.empty())
        starts.push_back(0);
    return starts;
}

epoch_order plan_epoch(const std::vector<size_t>& block_start,
                       size_t n,
                       size_t window,
                       size_t batch,
                       std::mt19937_64& rng)
{
    batch = std::max<size_t>(batch, 1);
    epoch_order p;
    p.order.resize(n);
    if (window == 0 || window >= n) {
        // Exactly the in-memory run's draws: its results stay as they were.
        std::iota(p.order.begin(), p.order.end(), 0);
        std::shuffle(p.order.begin(), p.order.end(), rng);
        p.unit_end.push_back(n);
        return p;
    }
    // A window shorter than a batch would make units of one batch that read
    // from many windows: no shorter than two batches.
    window = std::max(window, 2 * batch);
    std::vector<size_t> blocks(block_start.size());
    std::iota(blocks.begin(), blocks.end(), 0);
    std::shuffle(blocks.begin(), blocks.end(), rng);
    size_t pos = 0, win_start = 0;
    auto close_window = [&] {
        std::shuffle(p.order.begin() + win_start, p.order.begin() + pos, rng);
        // The unit ends at the batch boundary at or after the window's end,
        // so a batch never waits for two units; the few frames past the
        // window's end are read with this unit as well.
        const size_t end = std::min(n, (pos + batch - 1) / batch * batch);
        if (p.unit_end.empty() || end > p.unit_end.back())
            p.unit_end.push_back(end);
        win_start = pos;
    };
    for (size_t b : blocks) {
        const size_t s = block_start[b];
        const size_t e = b + 1 < block_start.size() ? block_start[b + 1] : n;
        for (size_t r = s; r < e; r++)
            p.order[pos++] = int64_t(r);
        if (pos - win_start >= window)
            close_window();
    }
    if (pos > win_start)
        close_window();
    if (p.unit_end.back() != n)
        p.unit_end.push_back(n);
    return p;
}

epoch_order permuted_epoch(size_t n, size_t unit, size_t batch, std::mt19937_64& rng)
{
    epoch_order p = plan_epoch({ 0 }, n, 0, batch, rng);
    batch = std::max<size_t>(batch, 1);
    const size_t step = (std::max(unit, batch) + batch - 1) / batch * batch;
    p.unit_end.clear();
    for (size_t e = step; e < n; e += step)
        p.unit_end.push_back(e);
    p.unit_end.push_back(n);
    return p;
}

batch_slice slice_of_batch(size_t s, size_t e, int rank, int world)
{
    batch_slice r{ s, e, false, true };
    const size_t len = e - s, W = size_t(world);
    if (W > 1 && len >= W) {
        r.first = s + len * size_t(rank) / W;
        r.last = s + len * size_t(rank + 1) / W;
        r.split = true;
    } else if (W > 1) {
        r.reports = rank == 0;
    }
    return r;
}

std::vector<size_t>
rank_positions(size_t first, size_t last, size_t batch, int rank, int world)
{
    batch = std::max<size_t>(batch, 1);
    std::vector<size_t> pos;
    pos.reserve((last - first) / std::max(world, 1) + batch);
    for (size_t s = first; s < last; s += batch) {
        const auto sl = slice_of_batch(s, std::min(last, s + batch), rank, world);
        for (size_t p = sl.first; p < sl.last; p++)
            pos.push_back(p);
    }
    return pos;
}

} // namespace amrcompress
} // namespace gr
