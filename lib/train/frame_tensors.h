/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Dataset frames as tensors in the model input contract. Private (torch).
 */
#ifndef INCLUDED_AMRCOMPRESS_FRAME_TENSORS_H
#define INCLUDED_AMRCOMPRESS_FRAME_TENSORS_H

#include <gnuradio/amrcompress/dataset_reader.h>
#include <torch/script.h>
#include <torch/types.h>
#include <functional>
#include <vector>

namespace gr {
namespace amrcompress {

struct frame_tensors {
    torch::Tensor x;      //!< float32 [N, 2, L]: row 0 = I, row 1 = Q
    torch::Tensor labels; //!< int64 [N]
    std::vector<float> snr_db;
};

//! Logits of the model (eval mode, no grad) for x, run batch_size frames at a time.
torch::Tensor
predict_logits(torch::jit::Module& m, const torch::Tensor& x, size_t batch_size);

//! Reads the frames (streamed from the file in blocks) into tensors.
frame_tensors load_frames(const dataset_reader& ds, const std::vector<size_t>& indices);

//! Frames held in memory (dataset layout) as tensors.
frame_tensors to_tensors(const frame_block& b);
//! Streams the frames as tensors, `block` frames at a time (the dataset is
//! never loaded whole): fn(tensors, position of their first frame in indices).
void for_each_tensor_block(const dataset_reader& ds,
                           const std::vector<size_t>& indices,
                           size_t block,
                           const std::function<void(const frame_tensors&, size_t)>& fn);

} // namespace amrcompress
} // namespace gr

#endif
