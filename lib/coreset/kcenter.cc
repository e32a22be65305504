/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * k-Center Greedy (Sener & Savarese): farthest point first on the trained
 * model's penultimate embeddings (Euclidean), from a random first point.
 */
#include "method_util.h"
#include <algorithm>
#include <cmath>

namespace gr {
namespace amrcompress {
namespace coreset {

std::unique_ptr<coreset_method> make_kcenter(const coreset_options&)
{
    return make_method({ false, false, true },
                       [](const coreset_inputs& in,
                          const std::vector<size_t>& group,
                          size_t k,
                          std::mt19937_64& rng) {
                           const auto& m = first_model(in, "kcenter");
                           const size_t D = m.dim;
                           // Squared distance: same farthest point, no square roots.
                           return k_center_greedy(group, k, rng, [&](size_t a, size_t b) {
                               return sq_dist(&m.embeddings[group[a] * D],
                                              &m.embeddings[group[b] * D],
                                              D);
                           });
                       });
}

} // namespace coreset
} // namespace amrcompress
} // namespace gr
