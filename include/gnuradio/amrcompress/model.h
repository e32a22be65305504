/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_MODEL_H
#define INCLUDED_AMRCOMPRESS_MODEL_H

#include <gnuradio/amrcompress/api.h>
#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {

/*!
 * \brief What a model file says about itself (its metadata).
 *
 * Models are built from a declarative description (JSON "spec": layers,
 * channel counts, which blocks exist), so a pruned variant is just another
 * spec. Every model is a TorchScript module whose input contract is
 * float32 [B, 2, L] (row 0 = I, row 1 = Q), normalised per frame as
 * `normalisation` says, and whose output is logits [B, C]; `features(x)`
 * returns the penultimate embedding. See docs/models.md.
 */
struct AMRCOMPRESS_API model_info {
    std::string arch;
    std::string spec; //!< JSON description the model was built from
    std::vector<std::string> classes;
    size_t frame_length = 0;
    std::string normalisation = "l1";
    std::string input_layout = "float32 [B, 2, L]: row 0 = I, row 1 = Q";
    size_t params = 0;        //!< trainable parameters
    double flops = 0;         //!< multiply-accumulates per frame (thop convention)
    size_t embedding_dim = 0; //!< size of features(x)
    std::string to_json() const;
};

//! Architectures with a built-in description: cnn1d, cnn1d-lite, resnet56, cnn2d, lstm.
AMRCOMPRESS_API std::vector<std::string> model_architectures();

//! The paper's description of an architecture as JSON (edit it to make variants).
AMRCOMPRESS_API std::string default_model_spec(const std::string& arch);

/*!
 * Builds the model for the given classes and frame length (without saving) and
 * reports its size. Throws input_error when the spec is malformed or does not
 * fit the frame length.
 */
AMRCOMPRESS_API model_info describe_model(const std::string& spec_or_arch,
                                          const std::vector<std::string>& classes,
                                          size_t frame_length);

//! Reads the metadata of a saved model file; throws input_error for non-models.
AMRCOMPRESS_API model_info read_model_info(const std::string& path);

} // namespace amrcompress
} // namespace gr

#endif
