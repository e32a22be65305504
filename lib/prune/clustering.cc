/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * O(n^3) on purpose: a layer has at most a few hundred channels.
 */
#include "clustering.h"
#include <gnuradio/amrcompress/error.h>
#include <algorithm>
#include <limits>

namespace gr {
namespace amrcompress {
namespace prune {

std::vector<std::vector<int>>
average_linkage(const std::vector<double>& dist, int n, int k)
{
    if (n < 1 || k < 1 || k > n || dist.size() != size_t(n) * n)
        throw input_error("clustering: need 1 <= k <= n and an n x n distance matrix");
    std::vector<std::vector<int>> members(n);
    for (int i = 0; i < n; i++)
        members[i] = { i };
    std::vector<double> d = dist;
    std::vector<char> alive(n, 1);
    for (int clusters = n; clusters > k; clusters--) {
        int a = -1, b = -1;
        double best = std::numeric_limits<double>::infinity();
        for (int i = 0; i < n; i++) {
            if (!alive[i])
                continue;
            for (int j = i + 1; j < n; j++)
                if (alive[j] && d[size_t(i) * n + j] < best) {
                    best = d[size_t(i) * n + j];
                    a = i;
                    b = j;
                }
        }
        if (a < 0) // NaN distances: merge the first two live clusters
            for (int i = 0; i < n && b < 0; i++)
                if (alive[i])
                    (a < 0 ? a : b) = i;
        const double na = members[a].size(), nb = members[b].size();
        for (int c = 0; c < n; c++) {
            if (!alive[c] || c == a || c == b)
                continue;
            const double v =
                (na * d[size_t(a) * n + c] + nb * d[size_t(b) * n + c]) / (na + nb);
            d[size_t(a) * n + c] = d[size_t(c) * n + a] = v;
        }
        members[a].insert(members[a].end(), members[b].begin(), members[b].end());
        members[b].clear();
        alive[b] = 0;
    }
    std::vector<std::vector<int>> out;
    for (int i = 0; i < n; i++)
        if (alive[i]) {
            std::sort(members[i].begin(), members[i].end());
            out.push_back(members[i]);
        }
    std::sort(
        out.begin(), out.end(), [](const auto& x, const auto& y) { return x[0] < y[0]; });
    return out;
}

} // namespace prune
} // namespace amrcompress
} // namespace gr
