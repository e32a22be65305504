/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_PRUNE_H
#define INCLUDED_AMRCOMPRESS_PRUNE_H

#include <gnuradio/amrcompress/api.h>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {

/*!
 * \brief How to prune a trained model (defaults: the FCOS paper's recipe).
 *
 * Data come from `dataset` exactly as `amr train` splits it (train_fraction,
 * SNR range), so the test accuracy before and after is measured on frames
 * neither the model nor the fine-tuning saw. Linear probes and data-driven
 * scores use the train part: probes are fitted on 1 - probe_holdout of it and
 * scored on the rest (the paper scores them on the test set; we keep the test
 * set for the final numbers). See docs/pruning.md.
 */
struct AMRCOMPRESS_API prune_config {
    std::string dataset;
    std::string model;   //!< a trained model file (.pt, cnn1d or resnet)
    std::string out_dir; //!< model.pt, report.json, report.md
    std::string method = "fcos";
    double train_fraction = 0.8;
    float snr_min = -std::numeric_limits<float>::infinity();
    float snr_max = std::numeric_limits<float>::infinity();

    // How much to prune.
    double channel_keep =
        0.5;                  //!< epsilon: fraction of each layer's channels kept (Eq. 3)
    double target_params = 0; //!< baselines: remove at least this fraction of the params
    int layers = 0;           //!< layer baselines without a target: layers to remove

    // FCOS stage 1 (Algorithm 1) and its ablations.
    std::string distance = "cosine";           //!< cosine (Eq. 1-2) | euclidean (Eq. 9)
    std::string fusion = "mean";               //!< mean (Eq. 5) | l1 (Eq. 10-12)
    std::string input_fusion = "sum";          //!< sum (keeps the function) | literal
    std::string fusion_order = "output-first"; //!< output-first | input-first (literal)
    std::string stop_after;                    //!< "" | "channel-fusion"

    // FCOS stage 2 (LaCD, Algorithm 2) and the probe-based baselines.
    double beta = 0.01;        //!< remove layer i when |Acc_i - Acc_{i-1}| <= beta
    int diagnosis_epochs = 20; //!< fine-tuning before the probes
    int probe_epochs = 5;
    double probe_lr = 1e-3;
    size_t probe_batch = 128;
    double probe_holdout = 0.1;
    /*!
     * Where the probes (and SR-init's, RFP's and PSR's scores) are scored:
     * "holdout" (probe_holdout of the train part, ours) or "test" (fitted on
     * the whole train part, scored on the test part: the authors' code, which
     * lets the test set choose the layers, so its test accuracy is optimistic).
     */
    std::string probe_data = "holdout";

    // Fine-tuning (every method ends with it).
    int epochs = 80;
    size_t batch_size = 128;
    double lr = 1e-3;
    int lr_step = 10;
    double lr_gamma = 0.8;
    uint64_t seed = 1;
    int threads = 0; //!< 0: by model size, as amr train
    /*!
     * Every fine-tuning stage writes out_dir/finetune-K.pt after each epoch
     * (removed when the run ends); resume goes on from them, drawing what the
     * uninterrupted run would have, and refuses checkpoints of other settings.
     */
    bool resume = false;
};

struct AMRCOMPRESS_API prune_result {
    std::string model_path, report_path, report_md_path;
    size_t params_before = 0,
           params_after = 0; //!< soft methods: as if the zeroed channels were cut
    double flops_before = 0, flops_after = 0; //!< soft methods: unchanged
    double acc_before = 0, acc_after = 0;     //!< test accuracy
    std::string report_json;
};

//! Progress of a long step: stage name, steps done, steps in the stage.
using prune_progress_fn =
    std::function<void(const std::string& stage, size_t done, size_t total)>;

/*!
 * Prunes cfg.model with cfg.method, fine-tunes, exports TorchScript (with
 * metadata) and writes the report. Throws input_error for unusable input
 * (unknown method, a model that does not fit the data, an architecture the
 * method cannot prune).
 */
AMRCOMPRESS_API prune_result prune_model(const prune_config& cfg,
                                         const prune_progress_fn& progress = nullptr);

struct AMRCOMPRESS_API pruning_method_info {
    std::string name, kind; //!< kind: channel | layer | channel+layer
    bool soft = false;      //!< zeroes channels during fine-tuning, no real speed-up
    std::string summary;
};
AMRCOMPRESS_API std::vector<pruning_method_info> pruning_methods();

} // namespace amrcompress
} // namespace gr

#endif
