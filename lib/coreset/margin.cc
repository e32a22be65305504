/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Margin (Coleman et al.): the samples with the smallest gap between the
 * two most probable classes under the trained model.
 */
#include "method_util.h"
#include <algorithm>
#include <cmath>

namespace gr {
namespace amrcompress {
namespace coreset {

std::unique_ptr<coreset_method> make_margin(const coreset_options&)
{
    return make_scored_method(
        { false, true, false }, [](const coreset_inputs& in, size_t r) {
            const auto& m = first_model(in, "margin");
            const float* p = &m.probs[r * m.classes];
            float a = -1, b = 0; // largest, second largest
            for (size_t c = 0; c < m.classes; c++) {
                if (p[c] > a) {
                    b = std::max(a, 0.0f);
                    a = p[c];
                } else if (p[c] > b) {
                    b = p[c];
                }
            }
            return -(double(a) - b); // smallest margin = highest score
        });
}

} // namespace coreset
} // namespace amrcompress
} // namespace gr
