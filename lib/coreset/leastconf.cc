/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Least Confidence (Coleman et al.): the samples whose most probable class
 * has the lowest probability under the trained model.
 */
#include "method_util.h"
#include <algorithm>
#include <cmath>

namespace gr {
namespace amrcompress {
namespace coreset {

std::unique_ptr<coreset_method> make_leastconf(const coreset_options&)
{
    return make_scored_method({ false, true, false },
                              [](const coreset_inputs& in, size_t r) {
                                  const auto& m = first_model(in, "leastconf");
                                  const float* p = &m.probs[r * m.classes];
                                  return 1.0 - *std::max_element(p, p + m.classes);
                              });
}

} // namespace coreset
} // namespace amrcompress
} // namespace gr
