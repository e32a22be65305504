/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_CORESET_H
#define INCLUDED_AMRCOMPRESS_CORESET_H

#include <gnuradio/amrcompress/api.h>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {

/*!
 * \brief A training-dynamics record (written by `amr train`, docs/models.md):
 * per training sample and completed epoch, the predicted class and the loss.
 */
struct AMRCOMPRESS_API training_dynamics {
    std::string path, dataset;
    std::vector<std::string> classes;
    std::vector<size_t> index; //!< dataset frame of each row
    std::vector<int32_t> label;
    std::vector<float> snr_db;
    size_t epochs = 0;         //!< T: completed epochs
    std::vector<uint8_t> pred; //!< [N, T] row-major
    std::vector<float> loss;   //!< [N, T] row-major
    //! The run's test frames (records written since 2026-12; empty before),
    //! which no row may be.
    std::vector<size_t> test_index;
    size_t size() const { return index.size(); }
};

//! Reads the completed epochs of a record; input_error for unusable files.
AMRCOMPRESS_API training_dynamics read_dynamics(const std::string& path);

class dataset_reader;
/*!
 * \brief Refuses (input_error) a record that was not made from this dataset:
 * one that names another existing file as its dataset (or, that file gone,
 * another file name), different classes, frame indices out of range or
 * repeated, a row that is one of the run's test frames, or labels/SNRs that
 * differ from the dataset's at those frames.
 */
AMRCOMPRESS_API void check_dynamics_fit(const training_dynamics& d,
                                        const dataset_reader& ds);

/*!
 * \brief FoQuS scores of every row (paper Eqs. 3-8).
 * forget = Eq. 4 / (T-1), persist = Eq. 5 / (T-1), quality = Eq. 7, and
 * total = the sum of the enabled ones (Eq. 8 when all three are).
 * T >= 2 is required (Eqs. 4-5 need a previous epoch).
 */
struct AMRCOMPRESS_API foqus_scores {
    std::vector<double> forget, persist, quality, total;
};
AMRCOMPRESS_API foqus_scores compute_foqus_scores(const training_dynamics& d,
                                                  double beta = 0.1,
                                                  bool use_forget = true,
                                                  bool use_persist = true,
                                                  bool use_quality = true);

//! One scoring model's outputs on the candidates (eval mode, after training).
struct AMRCOMPRESS_API model_outputs {
    size_t classes = 0, dim = 0;
    std::vector<float> probs;      //!< [N, classes] softmax
    std::vector<float> embeddings; //!< [N, dim] penultimate-layer features
};

/*!
 * \brief What the selection methods may look at, row r = candidate r.
 * `dynamics` (rows aligned with the candidates) for FoQuS and Forgetting;
 * `models` for the model-based methods (GraNd averages over all of them).
 */
struct AMRCOMPRESS_API coreset_inputs {
    std::vector<int32_t> labels;
    std::vector<float> snr_db;
    size_t num_classes = 0;
    const training_dynamics* dynamics = nullptr;
    std::vector<model_outputs> models;
};

struct AMRCOMPRESS_API foqus_options {
    double beta = 0.1;                                              //!< Eq. 7
    bool use_forget = true, use_persist = true, use_quality = true; //!< Table V ablation
    /*!
     * Tiers of each class sorted by descending score: tier 1 holds the first
     * tier_bounds[0] of the class, tier 2 up to tier_bounds[1], tier 3 the
     * rest. tier_mix is the share of the class budget drawn (uniformly at
     * random) from each tier. Defaults chosen by the ablation in
     * docs/coreset.md.
     */
    std::vector<double> tier_bounds = { 1.0 / 3, 2.0 / 3 };
    std::vector<double> tier_mix = { 0.6, 0.3, 0.1 };
    /*!
     * How the three metrics are put on one scale before Eq. 8's sum: "sum"
     * adds them as printed (Eqs. 4-7 already lie in [0, 1] or near it);
     * "minmax" maps each to [0, 1] over the candidates, "zscore" to mean 0
     * and standard deviation 1 over the candidates (the abstract's
     * "normalized and added"). A metric constant over the candidates adds 0.
     */
    std::string normalise = "sum";
    /*!
     * "tiers": the paper's tiered sampling above. "ccs": the coverage-centric
     * reading (Zheng et al., ICLR 2023): drop the ccs_drop share of each
     * group with the lowest scores (the end Eq. 8 ranks hardest), split the
     * rest into ccs_strata strata of equal score width and spread the budget
     * evenly over the strata, smallest stratum first.
     */
    std::string sampling = "tiers";
    double ccs_drop = 0.1;
    size_t ccs_strata = 50;
};

/*!
 * \brief The same with every scoring option (normalisation included): total
 * is the score FoQuS ranks by; forget, persist and quality stay as printed.
 */
AMRCOMPRESS_API foqus_scores compute_foqus_scores(const training_dynamics& d,
                                                  const foqus_options& o);

struct AMRCOMPRESS_API coreset_options {
    std::string method = "foqus";
    double rate = 0.1; //!< in (0, 1]
    uint64_t seed = 1;
    /*!
     * Also balance SNR: each class budget is shared among the class's SNR
     * bins in proportion to their sizes (largest remainder), and the method
     * runs within each (class, bin).
     */
    bool stratify_snr = false;
    double snr_bin_db = 0; //!< bin width; 0: every distinct SNR is a bin
    size_t knn = 10;       //!< Cal's neighbours
    foqus_options foqus;
};

//! What a method needs beyond labels.
struct AMRCOMPRESS_API coreset_needs {
    bool dynamics = false, probs = false, embeddings = false;
};

/*!
 * \brief One coreset selection method (one per file in lib/coreset,
 * registered in lib/coreset/methods.def).
 */
class AMRCOMPRESS_API coreset_method
{
public:
    virtual ~coreset_method();
    virtual coreset_needs needs() const = 0;
    /*!
     * Picks k distinct rows of `group` (rows of one class, or of one class
     * and SNR bin; k <= group.size()). Returns them in any order.
     */
    virtual std::vector<size_t> choose(const coreset_inputs& in,
                                       const std::vector<size_t>& group,
                                       size_t k,
                                       std::mt19937_64& rng) const = 0;
};

struct AMRCOMPRESS_API coreset_method_info {
    std::string name, summary;
    coreset_needs needs;
};

//! The registered methods, in registry order.
AMRCOMPRESS_API std::vector<coreset_method_info> coreset_methods();

//! A method by name; input_error naming the known ones otherwise.
AMRCOMPRESS_API std::unique_ptr<coreset_method>
make_coreset_method(const std::string& name, const coreset_options& opt);

/*!
 * \brief Per-class budgets: round(rate * n_c), halves rounded up (so the
 * total is the sum of the per-class budgets; for balanced classes, exactly
 * rate * N rounded the same way per class).
 */
AMRCOMPRESS_API std::vector<size_t>
class_budgets(const std::vector<int32_t>& labels, size_t num_classes, double rate);

struct AMRCOMPRESS_API coreset_result {
    std::vector<size_t> rows;      //!< selected candidate rows, ascending
    std::vector<size_t> per_class; //!< selected per class
    double seconds = 0;            //!< selection time (inputs already computed)
};

/*!
 * \brief Class-balanced (optionally class x SNR-balanced) selection with the
 * named method. Seeded: the same inputs and options give the same rows.
 * Throws input_error for a rate outside (0, 1], unknown methods, and inputs
 * the method needs but lacks or that do not match the candidates.
 */
AMRCOMPRESS_API coreset_result select_coreset(const coreset_inputs& in,
                                              const coreset_options& opt);

} // namespace amrcompress
} // namespace gr

#endif
