/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Uniform: a random sample of each class, without replacement.
 */
#include "method_util.h"
#include <algorithm>
#include <cmath>

namespace gr {
namespace amrcompress {
namespace coreset {

std::unique_ptr<coreset_method> make_uniform(const coreset_options&)
{
    return make_method({},
                       [](const coreset_inputs&,
                          const std::vector<size_t>& group,
                          size_t k,
                          std::mt19937_64& rng) { return sample(group, k, rng); });
}

} // namespace coreset
} // namespace amrcompress
} // namespace gr
