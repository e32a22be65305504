/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The candidates of a selection and what the methods may look at, loaded
 * once (amr select uses it once; amr bench coreset for many selections).
 */
#ifndef INCLUDED_AMR_SELECTION_POOL_H
#define INCLUDED_AMR_SELECTION_POOL_H

#include <gnuradio/amrcompress/coreset.h>
#include <gnuradio/amrcompress/dataset_reader.h>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace amr {

struct pool_source {
    std::string dataset;
    std::string dynamics;            //!< candidates = its rows; else the train split
    std::vector<std::string> models; //!< for the model-based methods
    float snr_min = -std::numeric_limits<float>::infinity();
    float snr_max = std::numeric_limits<float>::infinity();
    double train_fraction = 0.8;
    int threads = 1;
    size_t max_rows = 0; //!< keep only the first rows (0: all)
};

struct selection_pool {
    std::unique_ptr<gr::amrcompress::dataset_reader> dataset; //!< open, for later use
    std::vector<size_t> frames; //!< dataset frame of each candidate row
    std::unique_ptr<gr::amrcompress::training_dynamics> dynamics;
    gr::amrcompress::coreset_inputs inputs;
    double model_seconds = 0; //!< time spent computing the model outputs
};

//! Loads and cross-checks everything; model outputs only when `need` asks.
selection_pool load_pool(const pool_source& src,
                         const gr::amrcompress::coreset_needs& need);

//! The dataset indices of the selected rows (ascending).
std::vector<size_t> selected_frames(const selection_pool& pool,
                                    const gr::amrcompress::coreset_result& r);

} // namespace amr

#endif
