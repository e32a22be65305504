/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Cal (Margatina et al., contrastive active learning) as DeepCore applies it
 * to selection: for each sample, its k nearest neighbours in the trained
 * model's embedding space within the class (Euclidean); its score is the mean
 * symmetric KL divergence between its softmax and theirs. The most
 * contrastive samples (highest score) are kept. O(n^2 D) per class.
 */
#include "method_util.h"
#include <algorithm>
#include <cmath>

namespace gr {
namespace amrcompress {
namespace coreset {

std::unique_ptr<coreset_method> make_cal(const coreset_options& o)
{
    const size_t knn = std::max<size_t>(1, o.knn);
    return make_method(
        { false, true, true },
        [knn](const coreset_inputs& in,
              const std::vector<size_t>& group,
              size_t k,
              std::mt19937_64& rng) {
            const auto& m = first_model(in, "cal");
            const size_t n = group.size(), D = m.dim, C = m.classes;
            const size_t nn = std::min(knn, n - 1);
            // Copies in group order keep the O(n^2) loop on contiguous memory.
            std::vector<float> e(n * D), p(n * C);
            for (size_t i = 0; i < n; i++) {
                std::copy_n(&m.embeddings[group[i] * D], D, &e[i * D]);
                std::copy_n(&m.probs[group[i] * C], C, &p[i * C]);
            }
            const auto logp = safe_log(p);
            std::vector<double> score(n, 0);
            std::vector<std::pair<float, size_t>> d(n);
            for (size_t i = 0; i < n && nn > 0; i++) {
                for (size_t j = 0; j < n; j++)
                    d[j] = { j == i ? INFINITY : float(sq_dist(&e[i * D], &e[j * D], D)),
                             j };
                std::nth_element(d.begin(), d.begin() + (nn - 1), d.end());
                double s = 0;
                for (size_t q = 0; q < nn; q++) {
                    const size_t j = d[q].second;
                    s += sym_kl(&p[i * C], &logp[i * C], &p[j * C], &logp[j * C], C);
                }
                score[i] = s / nn;
            }
            std::vector<size_t> pos(n);
            for (size_t i = 0; i < n; i++)
                pos[i] = i;
            auto best = top_k(pos, k, rng, [&](size_t i) { return score[i]; });
            for (auto& b : best)
                b = group[b];
            return best;
        });
}

} // namespace coreset
} // namespace amrcompress
} // namespace gr
