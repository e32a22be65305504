/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_MODEL_OUTPUTS_H
#define INCLUDED_AMRCOMPRESS_MODEL_OUTPUTS_H

#include <gnuradio/amrcompress/api.h>
#include <gnuradio/amrcompress/coreset.h>

namespace gr {
namespace amrcompress {

/*!
 * \brief A trained model's softmax probabilities and penultimate-layer
 * embeddings (its `features` method) on the given dataset frames, in eval
 * mode, streamed in blocks. In gnuradio-amrcompress-ml (LibTorch).
 *
 * Refuses (input_error) a model that does not fit the dataset. A TorchScript
 * model without a `features` method gives probabilities only (dim 0): the
 * embedding-based methods then refuse it.
 */
AMRCOMPRESS_API model_outputs compute_model_outputs(const std::string& model_path,
                                                    const std::string& dataset_path,
                                                    const std::vector<size_t>& indices,
                                                    int threads = 1,
                                                    size_t batch_size = 512);

} // namespace amrcompress
} // namespace gr

#endif
