/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Forgetting (Toneva et al.): the samples with the most correct-to-wrong
 * transitions between consecutive epochs of the recorded training (FoQuS
 * Eq. 4); ties broken at random.
 */
#include "method_util.h"
#include <algorithm>
#include <cmath>

namespace gr {
namespace amrcompress {
namespace coreset {

std::unique_ptr<coreset_method> make_forgetting(const coreset_options&)
{
    return make_scored_method({ true, false, false },
                              [](const coreset_inputs& in, size_t r) {
                                  return foqus_row_scores(*in.dynamics, r, 0).forget;
                              });
}

} // namespace coreset
} // namespace amrcompress
} // namespace gr
