/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Agglomerative clustering for channel fusion (FCOS Eq. 3-4). Torch-free.
 */
#ifndef INCLUDED_AMRCOMPRESS_CLUSTERING_H
#define INCLUDED_AMRCOMPRESS_CLUSTERING_H

#include <gnuradio/amrcompress/api.h>
#include <vector>

namespace gr {
namespace amrcompress {
namespace prune {

/*!
 * Average-linkage (UPGMA, SciPy's method='average') clustering of n items with
 * the symmetric distance matrix `dist` (row-major n x n) into k clusters: merge
 * the two closest clusters (Eq. 4, Lance-Williams update) until k remain, which
 * is cutting SciPy's dendrogram with fcluster(criterion='maxclust') for this
 * monotone linkage. Ties go to the lowest indices. Clusters come back ordered
 * by their smallest member, members ascending.
 */
AMRCOMPRESS_API std::vector<std::vector<int>>
average_linkage(const std::vector<double>& dist, int n, int k);

} // namespace prune
} // namespace amrcompress
} // namespace gr

#endif
