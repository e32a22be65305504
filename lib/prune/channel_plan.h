/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Channel pruning and channel fusion as one operation: each new channel of a
 * space is a weighted sum of old ones (a group). Hard pruning keeps singleton
 * groups of weight 1 and drops the rest; FCOS fuses every old channel into
 * some group. Private (torch).
 */
#ifndef INCLUDED_AMRCOMPRESS_CHANNEL_PLAN_H
#define INCLUDED_AMRCOMPRESS_CHANNEL_PLAN_H

#include "net_state.h"
#include <gnuradio/amrcompress/api.h>

namespace gr {
namespace amrcompress {
namespace prune {

struct channel_group {
    std::vector<int> members;
    std::vector<double> alpha; //!< producer weights (sum to 1 for a fusion)
};
using channel_plan = std::map<std::string, std::vector<channel_group>>; // by space

//! Groups of one channel each (hard pruning): the kept channels, ascending.
AMRCOMPRESS_API std::vector<channel_group> keep_channels(std::vector<int> kept);

//! Channels kept per space for a keep fraction: floor(width * keep), at least 1 (Eq. 3).
AMRCOMPRESS_API int channels_kept(int width, double keep);

/*!
 * Applies the plan: each producer tensor's new channel g is sum_j alpha_j w_j
 * (Eq. 5 / Eq. 12; BatchNorm statistics alike); each consumer's input slice
 * for g is the sum of the old slices of g's members, which keeps the network's
 * function when the members' outputs agree (and is plain slicing for
 * singletons). Spaces not in the plan are left alone.
 */
AMRCOMPRESS_API net_state apply_channel_plan(const net_state& net,
                                             const prunable_graph& g,
                                             const channel_plan& plan);

//! Only the output side of the plan (producers and the spec's widths).
AMRCOMPRESS_API net_state apply_producers(const net_state& net,
                                          const prunable_graph& g,
                                          const channel_plan& plan);

/*!
 * The literal reading of FCOS Algorithm 1 line 13 ("repeat for the input
 * channels"): every consumer clusters its own input slices into `groups[space]`
 * groups and averages them, independently of how the producer fused. The
 * result generally no longer computes what the network computed.
 */
AMRCOMPRESS_API net_state fuse_inputs_literally(const net_state& net,
                                                const prunable_graph& g,
                                                const std::map<std::string, int>& groups,
                                                const std::string& metric);

/*!
 * Distances between a space's channels: per producer weight, cosine distance
 * 1 - cos (Eq. 1-2) or the Euclidean one d / (1 + d) (1 - Eq. 9's
 * similarity), averaged over the producers of a coupled space. n x n, row-major.
 */
AMRCOMPRESS_API std::vector<double> channel_distances(const net_state& net,
                                                      const channel_space& s,
                                                      const std::string& metric);

//! Row distances of a [n, d] matrix (the primitive behind channel_distances).
AMRCOMPRESS_API std::vector<double> row_distances(const torch::Tensor& rows,
                                                  const std::string& metric);

//! Sum |w| of each channel over the space's producer weights (Eq. 10; L1-norm baseline).
AMRCOMPRESS_API std::vector<double> channel_l1(const net_state& net,
                                               const channel_space& s);

} // namespace prune
} // namespace amrcompress
} // namespace gr

#endif
