/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the coreset keeper keeps after a scoring epoch: at most `budget`
 * candidates, balanced per class (and optionally per SNR bin within a class),
 * chosen within each group by FoQuS's tiered sampling on the candidates'
 * accumulated trajectories. No model and no torch here: the policy is tested
 * on handmade trajectories.
 */
#ifndef INCLUDED_AMRCOMPRESS_KEEPER_POLICY_H
#define INCLUDED_AMRCOMPRESS_KEEPER_POLICY_H

#include "coreset/foqus_policy.h"
#include <gnuradio/amrcompress/api.h>
#include <cstdint>
#include <random>
#include <vector>

namespace gr {
namespace amrcompress {
namespace keeper {

struct policy_options {
    size_t budget = 0;
    size_t num_classes = 0;
    bool stratify_snr = false;
    double snr_bin_db = 2; //!< SNR bin width (> 0)
    foqus_options foqus;
};

/*!
 * \brief Group budgets by water-filling: each class gets an equal share of
 * the budget, a class with fewer candidates keeps them all and leaves the
 * rest to the others (the same for SNR bins within a class).
 */
AMRCOMPRESS_API std::vector<size_t>
class_shares(const std::vector<int32_t>& labels, size_t num_classes, size_t budget);

/*!
 * \brief The candidate rows to keep, ascending. Every candidate has a label
 * in [0, num_classes) and a tally; input_error otherwise.
 */
AMRCOMPRESS_API std::vector<size_t>
keep_within_budget(const std::vector<int32_t>& labels,
                   const std::vector<float>& snr_db,
                   const std::vector<coreset::foqus_tally>& tallies,
                   const policy_options& opt,
                   std::mt19937_64& rng);

} // namespace keeper
} // namespace amrcompress
} // namespace gr

#endif
