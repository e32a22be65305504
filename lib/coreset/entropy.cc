/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Entropy (Coleman et al.): the samples with the highest entropy of the
 * trained model's predicted distribution.
 */
#include "method_util.h"
#include <algorithm>
#include <cmath>

namespace gr {
namespace amrcompress {
namespace coreset {

std::unique_ptr<coreset_method> make_entropy(const coreset_options&)
{
    return make_scored_method({ false, true, false },
                              [](const coreset_inputs& in, size_t r) {
                                  const auto& m = first_model(in, "entropy");
                                  const float* p = &m.probs[r * m.classes];
                                  double h = 0;
                                  for (size_t c = 0; c < m.classes; c++)
                                      if (p[c] > 0)
                                          h -= p[c] * std::log(double(p[c]));
                                  return h;
                              });
}

} // namespace coreset
} // namespace amrcompress
} // namespace gr
