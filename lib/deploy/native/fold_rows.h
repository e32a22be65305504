/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rows of a short 2-D network folded into channels: an activation
 * [C, H, W] with H small (the I and Q rows of a frame) is the same memory as
 * a 1-D activation [C * H, W] (channel c * H + h), and a convolution over it
 * is a 1-D convolution from I * H to O * Ho channels whose weight places each
 * kernel row where it meets an input row. The taps that fall on the padding
 * rows disappear, and a layer of 8 channels becomes one of 16, which
 * oneDNN's AVX-512 kernels no longer pad to 16 (FCOS-pruned ResNet56: its
 * 16 -> 8 convolutions cost as much as 16 -> 16 ones). Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_FOLD_ROWS_H
#define INCLUDED_AMRCOMPRESS_FOLD_ROWS_H

#include "../../model/net_graph.h"
#include "../torchscript_archive.h"
#include <gnuradio/amrcompress/api.h>
#include <map>
#include <optional>
#include <string>

namespace gr {
namespace amrcompress {
namespace deploy {

using tensor_map = std::map<std::string, archive_tensor>;

//! `name` in `weights`, of shape `shape`; throws input_error naming both
//! shapes when the file's tensor differs from what the spec needs.
AMRCOMPRESS_API const archive_tensor& checked_tensor(const tensor_map& weights,
                                                     const std::string& name,
                                                     const std::vector<int64_t>& shape);

struct folded_network {
    model::net_graph graph;
    tensor_map weights; //!< the graph's tensors: the file's, and the folded ones
};

/*!
 * The graph with every 2-D activation folded to 1-D, or nothing when it has
 * no 2-D activation or one that does not fold without extra work: rows
 * taller than 8, a convolution whose folded taps would exceed its real ones
 * by a quarter, pooling or averaging across rows. The same logits and the
 * same activation names (the int8 ranges still apply); reads the tensors it
 * folds through checked_tensor().
 */
AMRCOMPRESS_API std::optional<folded_network> fold_rows(const model::net_graph& g,
                                                        const tensor_map& weights);

} // namespace deploy
} // namespace amrcompress
} // namespace gr

#endif
