/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Contextual Diversity (Agarwal et al.), as DeepCore adapts it: k-center
 * greedy on the trained model's softmax vectors with the symmetric KL
 * divergence as the distance.
 */
#include "method_util.h"
#include <algorithm>
#include <cmath>

namespace gr {
namespace amrcompress {
namespace coreset {

std::unique_ptr<coreset_method> make_cd(const coreset_options&)
{
    return make_method({ false, true, false },
                       [](const coreset_inputs& in,
                          const std::vector<size_t>& group,
                          size_t k,
                          std::mt19937_64& rng) {
                           const auto& m = first_model(in, "cd");
                           const size_t C = m.classes;
                           std::vector<float> p(group.size() * C);
                           for (size_t i = 0; i < group.size(); i++)
                               std::copy_n(&m.probs[group[i] * C], C, &p[i * C]);
                           const auto logp = safe_log(p);
                           return k_center_greedy(group, k, rng, [&](size_t a, size_t b) {
                               return sym_kl(
                                   &p[a * C], &logp[a * C], &p[b * C], &logp[b * C], C);
                           });
                       });
}

} // namespace coreset
} // namespace amrcompress
} // namespace gr
