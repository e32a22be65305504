/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * amr quantize's work, for the tool and the benchmarks alike. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_QUANTIZE_MODEL_H
#define INCLUDED_AMRCOMPRESS_QUANTIZE_MODEL_H

#include <gnuradio/amrcompress/api.h>
#include <nlohmann/json.hpp>
#include <string>

namespace gr {
namespace amrcompress {
namespace deploy {

struct quantize_options {
    size_t frames = 2048;        //!< calibration frames, drawn from the training split
    unsigned seed = 1;           //!< which ones
    double train_fraction = 0.8; //!< the split (as amr train's)
};

/*!
 * Calibrates the model at `model_path` for int8 on a seeded sample of the
 * training split of `dataset` (the data it was trained on) and writes the
 * calibrated copy to `out`. Returns a summary (what was used, the ranges).
 * Throws input_error when the model does not fit the data or cannot be
 * quantised (an architecture without a native graph).
 */
AMRCOMPRESS_API nlohmann::json quantize_model(const std::string& model_path,
                                              const std::string& dataset,
                                              const std::string& out,
                                              const quantize_options& opt = {});

} // namespace deploy
} // namespace amrcompress
} // namespace gr

#endif
