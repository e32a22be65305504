/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Herding (Welling): greedily adds the sample that keeps the mean of the
 * selected embeddings closest to the class mean (argmin over x of
 * ||(t+1) mu - sum(S) - x||). DeepCore's code takes the argmax of that
 * distance instead; we follow the method as published.
 */
#include "method_util.h"
#include <algorithm>
#include <cmath>

namespace gr {
namespace amrcompress {
namespace coreset {

std::unique_ptr<coreset_method> make_herding(const coreset_options&)
{
    return make_method({ false, false, true },
                       [](const coreset_inputs& in,
                          const std::vector<size_t>& group,
                          size_t k,
                          std::mt19937_64&) {
                           const auto& m = first_model(in, "herding");
                           const size_t D = m.dim, n = group.size();
                           std::vector<double> mu(D, 0), sum(D, 0);
                           for (size_t r : group)
                               for (size_t j = 0; j < D; j++)
                                   mu[j] += m.embeddings[r * D + j];
                           for (auto& v : mu)
                               v /= n;
                           std::vector<char> taken(n, 0);
                           std::vector<size_t> out;
                           std::vector<float> target(D);
                           for (size_t t = 0; t < std::min(k, n); t++) {
                               for (size_t j = 0; j < D; j++)
                                   target[j] =
                                       static_cast<float>((t + 1) * mu[j] - sum[j]);
                               size_t best = n;
                               double best_d = 0;
                               for (size_t i = 0; i < n; i++) {
                                   if (taken[i])
                                       continue;
                                   const double d = sq_dist(
                                       target.data(), &m.embeddings[group[i] * D], D);
                                   if (best == n || d < best_d) {
                                       best = i;
                                       best_d = d;
                                   }
                               }
                               taken[best] = 1;
                               out.push_back(group[best]);
                               for (size_t j = 0; j < D; j++)
                                   sum[j] += m.embeddings[group[best] * D + j];
                           }
                           return out;
                       });
}

} // namespace coreset
} // namespace amrcompress
} // namespace gr
