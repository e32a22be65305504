/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pieces the selection methods share: score ranking with seeded tie-breaks,
 * greedy farthest-point selection, distances. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_CORESET_METHOD_UTIL_H
#define INCLUDED_AMRCOMPRESS_CORESET_METHOD_UTIL_H

#include "foqus_policy.h"
#include <gnuradio/amrcompress/coreset.h>
#include <functional>

namespace gr {
namespace amrcompress {
namespace coreset {

/*!
 * The k rows of `group` with the highest score(row). Ties are broken by a
 * seeded random order, not by file order: scores such as forgetting counts
 * are small integers and file order would favour one SNR or capture.
 */
AMRCOMPRESS_API std::vector<size_t> top_k(const std::vector<size_t>& group,
                                          size_t k,
                                          std::mt19937_64& rng,
                                          const std::function<double(size_t row)>& score);

//! k rows drawn uniformly without replacement.
AMRCOMPRESS_API std::vector<size_t>
sample(const std::vector<size_t>& group, size_t k, std::mt19937_64& rng);

/*!
 * Greedy k-center (farthest point first, Sener & Savarese): starts from a
 * random row, then repeatedly adds the row farthest from everything chosen.
 * dist(a, b) is between rows of `group` given as positions 0..n-1.
 */
std::vector<size_t>
k_center_greedy(const std::vector<size_t>& group,
                size_t k,
                std::mt19937_64& rng,
                const std::function<double(size_t a, size_t b)>& dist);

//! Squared Euclidean distance of two float vectors of length n.
inline double sq_dist(const float* a, const float* b, size_t n)
{
    float s = 0; // float accumulation, vectorised; embeddings are O(100) long
#pragma omp simd reduction(+ : s)
    for (size_t i = 0; i < n; i++) {
        const float d = a[i] - b[i];
        s += d * d;
    }
    return s;
}

//! Symmetric KL divergence KL(p||q) + KL(q||p) = sum (p - q)(log p - log q),
//! given the probabilities and their logs.
inline double
sym_kl(const float* p, const float* logp, const float* q, const float* logq, size_t n)
{
    float s = 0;
#pragma omp simd reduction(+ : s)
    for (size_t i = 0; i < n; i++)
        s += (p[i] - q[i]) * (logp[i] - logq[i]);
    return s;
}

/*!
 * Splits `total` into parts proportional to `weights` (largest remainder,
 * ties to the earlier part), none above its cap; what a capped part cannot
 * take goes to the others. Sums to min(total, sum of caps).
 */
AMRCOMPRESS_API std::vector<size_t> apportion(size_t total,
                                              const std::vector<double>& weights,
                                              const std::vector<size_t>& caps);

//! log of the probabilities, clamped away from log(0).
std::vector<float> safe_log(const std::vector<float>& p);

//! The model outputs a method needs, checked: throws input_error if missing.
const model_outputs& first_model(const coreset_inputs& in, const char* method);

using choose_fn = std::function<std::vector<size_t>(
    const coreset_inputs&, const std::vector<size_t>& group, size_t k, std::mt19937_64&)>;
//! A method from what it needs and how it chooses within a group.
std::unique_ptr<coreset_method> make_method(coreset_needs needs, choose_fn choose);

//! A method that keeps the k highest-scoring rows of each group (top_k).
std::unique_ptr<coreset_method>
make_scored_method(coreset_needs needs,
                   std::function<double(const coreset_inputs&, size_t row)> score);

//! FoQuS Eqs. 4, 5 and 7 for one row of the record. Defined in foqus.cc,
//! used by forgetting.cc too.
AMRCOMPRESS_API foqus_row foqus_row_scores(const training_dynamics& d,
                                           size_t row,
                                           double beta);

} // namespace coreset
} // namespace amrcompress
} // namespace gr

#endif
