/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_TRAIN_H
#define INCLUDED_AMRCOMPRESS_TRAIN_H

#include <gnuradio/amrcompress/api.h>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {

/*!
 * \brief Where this process sits in a data-parallel job (docs/distributed.md).
 *
 * world_size ranks train one model: each global batch is split between them,
 * gradients are averaged with c10d's Gloo process group, and the result equals
 * one process training with the same global batch (models without dropout or
 * BatchNorm, within floating-point tolerance). Rank 0 writes every file.
 */
struct AMRCOMPRESS_API dist_config {
    int world_size = 1;
    int rank = 0;
    std::string master_addr = "127.0.0.1"; //!< rank 0's host (its TCPStore)
    int master_port = 29500;
    double timeout_seconds = 300; //!< a rank silent this long ends the job with an error
    size_t bucket_bytes = 25u << 20; //!< gradient all-reduce bucket size (DDP's default)
};

/*!
 * \brief What to train on and how (defaults: the authors' recipe, REFERENCE §1).
 *
 * Data: the frames of `dataset` in the train part of the stratified
 * per-(class, SNR) split (or those listed in `index_file`, e.g. a coreset,
 * which must lie in the train part), within [snr_min, snr_max]. The test set
 * is the split's test part within the same SNR range.
 */
struct AMRCOMPRESS_API train_config {
    std::string dataset;
    std::string index_file;
    double train_fraction = 0.8;
    float snr_min = -std::numeric_limits<float>::infinity();
    float snr_max = std::numeric_limits<float>::infinity();
    std::string model = "cnn1d"; //!< architecture, JSON spec, or a .pt model to fine-tune
    int epochs = 30;
    size_t batch_size = 128;
    double lr = 1e-3;      //!< Adam
    int lr_step = 10;      //!< StepLR step (epochs)
    double lr_gamma = 0.8; //!< StepLR factor
    uint64_t seed = 1;
    int threads = 0;     //!< intra-op threads; 0 = by model size (docs/benchmarks.md)
    std::string out_dir; //!< model.pt, metrics.json, dynamics.h5, optimizer.pt
    bool record_dynamics = true;
    int eval_every = 1; //!< test-set evaluation every N epochs (0: last only)
    dist_config dist;   //!< one process unless world_size > 1
    //! continue from OUT/checkpoint (written after every epoch) instead of starting over
    bool resume = false;
    /*!
     * Memory for the training frames, MiB (0: 256). One process holds a
     * selection that fits; a larger one, or each rank of several, reads the
     * same full permutation from the file in two units of half of it (the
     * one training, the next read ahead): the batches do not change.
     */
    size_t frame_memory_mib = 0;
    /*!
     * 0: every epoch is a full permutation. N below the selection: 1 MiB
     * blocks in shuffled order, then shuffled within windows of N frames,
     * for storage too slow for a read per frame (docs/dataset-format.md,
     * "Streaming the training frames").
     */
    size_t shuffle_window = 0;
};

struct AMRCOMPRESS_API epoch_stats {
    int epoch = 0; //!< 1-based
    double lr = 0, train_loss = 0, train_acc = 0, test_loss = 0, test_acc = 0;
    double seconds = 0; //!< training pass only
    double eval_seconds = 0;
    double comm_seconds = 0; //!< of `seconds`: waiting for other ranks (not overlapped)
};

struct AMRCOMPRESS_API train_result {
    std::vector<epoch_stats> epochs;
    std::map<float, double> test_acc_per_snr; //!< after the last epoch
    size_t train_frames = 0, test_frames = 0, params = 0;
    double flops = 0;
    std::string model_path, metrics_path, dynamics_path;
    int world_size = 1, rank = 0;
    int resumed_after = 0;     //!< epochs taken from a checkpoint (0: a fresh run)
    bool streamed = false;     //!< the training frames were read a unit at a time
    size_t shuffle_window = 0; //!< frames shuffled together (all: a full permutation)
    size_t read_unit = 0;      //!< frames of a read unit (0: held in memory)
    double allreduce_seconds =
        0; //!< measured all-reduce of one step's gradients (world > 1)
};

using epoch_fn = std::function<void(const epoch_stats&, int epochs_total)>;
using batch_fn = std::function<void(size_t done, size_t total)>;

AMRCOMPRESS_API train_result train_model(const train_config& cfg,
                                         const epoch_fn& on_epoch = nullptr,
                                         const batch_fn& on_batch = nullptr);

/*!
 * \brief Model predictions on dataset frames.
 * Refuses (input_error) a model whose frame length or classes do not fit.
 */
struct AMRCOMPRESS_API eval_result {
    std::string backend; //!< what ran the model, e.g. "native oneDNN int8 (...)"
    std::vector<std::string> classes;
    std::vector<size_t> indices; //!< dataset frames evaluated
    std::vector<int32_t> labels, predictions;
    std::vector<float> snr_db;
    std::vector<float> logits; //!< [n, C], when kept
    size_t correct = 0;
    double accuracy() const
    {
        return indices.empty() ? 0.0 : double(correct) / indices.size();
    }
};

/*!
 * Classifies the frames `indices` (all when empty) of a dataset with a model
 * as the classifier block would: on the native engine when it can run the
 * model at `precision` ("fp32", "bf16", "int8"), else LibTorch (`engine`:
 * "auto", "native" or "libtorch"). Throws input_error when the model does
 * not fit the data or gives non-finite logits.
 */
AMRCOMPRESS_API eval_result evaluate_model(const std::string& model_path,
                                           const std::string& dataset_path,
                                           const std::vector<size_t>& indices,
                                           int threads = 1,
                                           size_t batch_size = 512,
                                           bool keep_logits = false,
                                           const std::string& engine = "auto",
                                           const std::string& precision = "fp32");

/*!
 * \brief Training throughput (samples/s) of a model on random frames, measured
 * the way benchmarks/train_reference.py measures eager PyTorch: Adam, cross
 * entropy, `warmup` untimed steps, then timed steps until at least
 * `min_steps` ran and `min_seconds` passed.
 */
AMRCOMPRESS_API double measure_train_throughput(const std::string& model,
                                                size_t classes,
                                                size_t frame_length,
                                                size_t batch_size,
                                                int min_steps,
                                                double min_seconds,
                                                int warmup,
                                                int threads);

/*!
 * \brief Inference throughput (frames/s) of a saved model: batches of random
 * frames through the backend the classifier would use (`engine` "auto",
 * "native" or "libtorch"; `precision` "fp32", "bf16", "int8"), after a
 * warm-up, for at least `min_seconds`. Throws input_error for unusable model
 * files.
 */
AMRCOMPRESS_API double
measure_inference_throughput(const std::string& model_path,
                             size_t batch_size,
                             double min_seconds,
                             int threads,
                             const std::string& engine = "auto",
                             const std::string& precision = "fp32");

} // namespace amrcompress
} // namespace gr

#endif
