/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GraNd (Paul et al.): the expected norm of the loss gradient, taken (as
 * DeepCore does) for the last linear layer, where it has a closed form:
 * ||p - onehot(y)|| * sqrt(1 + ||h||^2), h the penultimate features. Averaged
 * over every model given (independently trained ones, in the paper's
 * protocol); the largest are kept.
 */
#include "method_util.h"
#include <algorithm>
#include <cmath>

namespace gr {
namespace amrcompress {
namespace coreset {

std::unique_ptr<coreset_method> make_grand(const coreset_options&)
{
    return make_scored_method(
        { false, true, true }, [](const coreset_inputs& in, size_t r) {
            first_model(in, "grand");
            double sum = 0;
            for (const auto& m : in.models) {
                const float* p = &m.probs[r * m.classes];
                const float* h = &m.embeddings[r * m.dim];
                double e = 0, hh = 0;
                for (size_t c = 0; c < m.classes; c++) {
                    const double d = p[c] - (int32_t(c) == in.labels[r] ? 1.0 : 0.0);
                    e += d * d;
                }
                for (size_t j = 0; j < m.dim; j++)
                    hh += double(h[j]) * h[j];
                sum += std::sqrt(e) * std::sqrt(1 + hh);
            }
            return sum / in.models.size();
        });
}

} // namespace coreset
} // namespace amrcompress
} // namespace gr
