/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The order in which an epoch visits the training frames when the selection
 * is streamed from the file instead of held in memory, and each rank's share
 * of every global batch. Private; no torch, so it is tested on its own.
 *
 * The chunked shuffle (docs/training.md, "Streaming"): the training frames
 * are cut into blocks that each lie in one HDF5 chunk of X; every epoch
 * shuffles the block order, deals the blocks into windows of at least
 * `window` frames, and shuffles each window's frames as a whole. A window is
 * read once, chunk by chunk in file order, while the previous one trains.
 * With a window of every frame this is std::shuffle of all rows with the same
 * generator draws as an in-memory run, so small selections train as before.
 */
#ifndef INCLUDED_AMRCOMPRESS_EPOCH_ORDER_H
#define INCLUDED_AMRCOMPRESS_EPOCH_ORDER_H

#include <gnuradio/amrcompress/api.h>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace gr {
namespace amrcompress {

/*!
 * Where the blocks of the training list start: `file_index` are the training
 * frames' positions in the file (ascending); a new block starts wherever the
 * chunk (file_index / chunk_rows) changes. Always starts with 0.
 */
AMRCOMPRESS_API std::vector<size_t> chunk_blocks(const std::vector<size_t>& file_index,
                                                 size_t chunk_rows);

struct epoch_order {
    std::vector<int64_t> order; //!< rows of the training list, in training order
    //! Ends of the read units: positions of `order` (multiples of the batch,
    //! the last one = the number of rows); unit k is [end[k-1], end[k]).
    std::vector<size_t> unit_end;
};

/*!
 * One epoch's order over n rows cut into blocks at `block_start`, drawn from
 * rng. window >= n (or 0): one window, i.e. a full shuffle and one unit.
 */
AMRCOMPRESS_API epoch_order plan_epoch(const std::vector<size_t>& block_start,
                                       size_t n,
                                       size_t window,
                                       size_t batch,
                                       std::mt19937_64& rng);

/*!
 * The in-memory run's order (the same draws: a full permutation of the n
 * rows), cut into read units of at least `unit` frames, ending on batch
 * boundaries: a selection too large to hold is streamed without changing
 * a single batch.
 */
AMRCOMPRESS_API epoch_order permuted_epoch(size_t n,
                                           size_t unit,
                                           size_t batch,
                                           std::mt19937_64& rng);

//! A rank's slice [first, last) of the global batch [s, e), as run_train_epoch
//! trains it: rank r of `world` takes the r-th of `world` contiguous slices; a
//! batch smaller than `world` is trained whole by every rank, and only
//! rank 0 reports its samples (`reports`).
struct batch_slice {
    size_t first = 0, last = 0;
    bool split = false, reports = true;
};
AMRCOMPRESS_API batch_slice slice_of_batch(size_t s, size_t e, int rank, int world);

//! The positions of [first, last) (batch-aligned at `first`) that a rank
//! trains, in order.
AMRCOMPRESS_API std::vector<size_t>
rank_positions(size_t first, size_t last, size_t batch, int rank, int world);

} // namespace amrcompress
} // namespace gr

#endif
