/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Coverage-centric sampling (Zheng, Liu, Li and Ng, "Coverage-centric
 * Coreset Selection for High Pruning Rates", ICLR 2023, Algorithm 1), as a
 * reading of FoQuS's "preset proportion from each tier": at the low rates
 * FoQuS targets (1-30 %), keeping only one end of the score range loses
 * coverage of the data distribution; CCS drops the hardest share and then
 * covers the remaining score range evenly.
 */
#include "method_util.h"
#include <gnuradio/amrcompress/error.h>
#include <algorithm>
#include <cmath>
#include <numeric>

namespace gr {
namespace amrcompress {
namespace coreset {

std::vector<size_t> ccs_pick(const std::vector<size_t>& order,
                             const std::vector<double>& scores,
                             size_t k,
                             const foqus_options& o,
                             std::mt19937_64& rng)
{
    if (scores.size() != order.size())
        throw input_error("CCS sampling: scores and rows differ in length");
    const size_t n = order.size();
    k = std::min(k, n);
    if (k == 0)
        return {};
    // The hard cut-off: the lowest-scoring tail of the descending order,
    // never so much that fewer than k rows remain.
    const size_t drop = std::min(n - k, size_t(std::floor(o.ccs_drop * n)));
    const size_t kept = n - drop;
    double lo = scores[0], hi = scores[0];
    for (size_t i = 0; i < kept; i++) {
        lo = std::min(lo, scores[i]);
        hi = std::max(hi, scores[i]);
    }
    // Strata of equal score width over [lo, hi]; the top edge belongs to the
    // last stratum.
    const size_t m = std::max<size_t>(1, o.ccs_strata);
    std::vector<std::vector<size_t>> strata(m);
    const double width = (hi - lo) / m;
    for (size_t i = 0; i < kept; i++) {
        size_t s = width > 0 ? size_t((scores[i] - lo) / width) : 0;
        strata[std::min(s, m - 1)].push_back(order[i]);
    }
    // Smallest stratum first (ties: the lower score range first), each
    // taking an even share of what is left; the shares sum to k exactly
    // because every later stratum is at least as large as the current one.
    std::vector<size_t> by_size(m);
    std::iota(by_size.begin(), by_size.end(), 0);
    std::stable_sort(by_size.begin(), by_size.end(), [&](size_t a, size_t b) {
        return strata[a].size() < strata[b].size();
    });
    std::vector<size_t> out;
    out.reserve(k);
    size_t budget = k;
    for (size_t i = 0; i < m; i++) {
        const auto& stratum = strata[by_size[i]];
        const size_t take = std::min(stratum.size(), budget / (m - i));
        auto s = sample(stratum, take, rng);
        out.insert(out.end(), s.begin(), s.end());
        budget -= take;
    }
    return out;
}

} // namespace coreset
} // namespace amrcompress
} // namespace gr
