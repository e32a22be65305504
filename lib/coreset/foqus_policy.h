/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The parts of FoQuS that both `amr select` (a recorded training run) and
 * the on-device coreset keeper (trajectories that grow one scoring epoch at
 * a time) use: the per-sample tally of a trajectory, the scores it gives,
 * their normalisation, and the tiered or coverage-centric sampling.
 */
#ifndef INCLUDED_AMRCOMPRESS_CORESET_FOQUS_POLICY_H
#define INCLUDED_AMRCOMPRESS_CORESET_FOQUS_POLICY_H

#include <gnuradio/amrcompress/coreset.h>
#include <cstdint>
#include <random>
#include <vector>

namespace gr {
namespace amrcompress {
namespace coreset {

//! FoQuS Eqs. 4, 5 and 7 for one sample (forget and persist divided by T - 1).
struct foqus_row {
    double forget, persist, quality;
};

/*!
 * \brief Everything Eqs. 3-7 need from a sample's trajectory, accumulated
 * one epoch at a time: a trajectory of any length is summarised exactly in
 * O(1) memory, so the keeper never stores per-epoch histories.
 */
struct foqus_tally {
    uint32_t epochs = 0;  //!< T
    uint32_t forget = 0;  //!< Eq. 4: correct at t-1, wrong at t
    uint32_t persist = 0; //!< Eq. 5: wrong at t-1 and at t
    uint32_t correct = 0; //!< Eq. 6
    double loss_sum = 0;
    bool last_correct = false;

    void add(bool is_correct, float loss)
    {
        if (epochs > 0) {
            forget += last_correct && !is_correct;
            persist += !last_correct && !is_correct;
        }
        correct += is_correct;
        loss_sum += loss;
        last_correct = is_correct;
        epochs++;
    }

    //! With T < 2 there is no transition yet: forget and persist are 0.
    foqus_row scores(double beta) const
    {
        const double T = epochs ? double(epochs) : 1.0;
        const double pairs = epochs > 1 ? double(epochs - 1) : 1.0;
        return { forget / pairs, persist / pairs, correct / T - beta * loss_sum / T };
    }
};

/*!
 * \brief What puts the three metrics on one scale before the sum
 * (foqus_options::normalise): metric m enters as (x - offset[m]) / scale[m].
 * scale 0 marks a metric that is constant over the population: it adds 0.
 */
struct foqus_scaling {
    double offset[3] = { 0, 0, 0 };
    double scale[3] = { 1, 1, 1 };
};

//! The scaling for o.normalise ("sum": identity), fitted over `rows`.
AMRCOMPRESS_API foqus_scaling fit_foqus_scaling(const std::vector<foqus_row>& rows,
                                                const foqus_options& o);

//! Eq. 8: the sum of the enabled metrics, each scaled.
AMRCOMPRESS_API double
foqus_combine(const foqus_row& s, const foqus_options& o, const foqus_scaling& k = {});

//! input_error for tier bounds, shares or metric choices FoQuS cannot use.
AMRCOMPRESS_API void validate_foqus_options(const foqus_options& o);

/*!
 * \brief The tiered sampling: `order` holds a group's rows by descending
 * score; tier 1 is its first tier_bounds[0] share, tier 2 up to
 * tier_bounds[1], tier 3 the rest; k rows are drawn uniformly within tiers
 * in the proportions of tier_mix (a tier short of rows gives its share to
 * the others).
 */
AMRCOMPRESS_API std::vector<size_t> foqus_tiered_pick(const std::vector<size_t>& order,
                                                      size_t k,
                                                      const foqus_options& o,
                                                      std::mt19937_64& rng);

/*!
 * \brief The coverage-centric sampling (foqus_options::sampling = "ccs";
 * Zheng et al., ICLR 2023, Algorithm 1). `order` holds a group's rows by
 * descending score and `scores` their scores in the same order. The lowest
 * o.ccs_drop share is dropped (fewer if k rows would not remain), the rest
 * is split into o.ccs_strata strata of equal score width, and the budget is
 * spread over the strata, smallest stratum first: each takes
 * min(its size, floor(budget left / strata left)), drawn uniformly.
 */
AMRCOMPRESS_API std::vector<size_t> ccs_pick(const std::vector<size_t>& order,
                                             const std::vector<double>& scores,
                                             size_t k,
                                             const foqus_options& o,
                                             std::mt19937_64& rng);

//! k rows of a group by o.sampling: foqus_tiered_pick or ccs_pick.
AMRCOMPRESS_API std::vector<size_t> foqus_pick(const std::vector<size_t>& order,
                                               const std::vector<double>& scores,
                                               size_t k,
                                               const foqus_options& o,
                                               std::mt19937_64& rng);

} // namespace coreset
} // namespace amrcompress
} // namespace gr

#endif
