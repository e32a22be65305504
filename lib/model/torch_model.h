/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Models as TorchScript modules built from a JSON spec. Private: the only
 * place (with the trainer and evaluator) that includes torch.
 */
#ifndef INCLUDED_AMRCOMPRESS_TORCH_MODEL_H
#define INCLUDED_AMRCOMPRESS_TORCH_MODEL_H

#include "model_meta.h"
#include <gnuradio/amrcompress/api.h>
#include <gnuradio/amrcompress/dataset.h>
#include <gnuradio/amrcompress/model.h>
#include <nlohmann/json.hpp>
#include <torch/script.h>

namespace gr {
namespace amrcompress {
namespace model {

struct built_model {
    torch::jit::Module module;
    model_info info;
    //! What `module.taps(x)` returns, in order: the output of every layer
    //! (cnn1d: "s0_entry", "s0_u0", ...; resnet: "stem", "l0_b0", ...) and the
    //! activation inside each residual unit ("s0_u0.inner"). Set by build().
    std::vector<std::string> tap_names;
};

/*!
 * Builds a freshly initialised model (PyTorch's default initialisation, drawn
 * from torch's generator: seed it first for reproducible weights). Throws
 * input_error when the spec is malformed or does not fit.
 */
AMRCOMPRESS_API built_model build(const nlohmann::json& spec,
                                  const std::vector<std::string>& classes,
                                  size_t frame_length,
                                  const std::string& normalisation);

//! Saves with the metadata as module attributes and as extra file amr_meta.json.
AMRCOMPRESS_API void
save(torch::jit::Module& m, const model_info& info, const std::string& path);

//! Loads a model file and its metadata; throws input_error for unusable files.
AMRCOMPRESS_API built_model load(const std::string& path);

//! load() followed by check_fits() against the dataset's classes and frame length.
AMRCOMPRESS_API built_model load_fitting(const std::string& path,
                                         const dataset_info& data);

} // namespace model
} // namespace amrcompress
} // namespace gr

#endif
