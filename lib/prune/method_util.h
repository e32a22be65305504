/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The flows the baselines share: keep the best-scored channels (hard), zero
 * the worst-scored ones after every epoch (soft), remove layers in a ranked
 * order. A method file supplies only its criterion. Private (torch).
 */
#ifndef INCLUDED_AMRCOMPRESS_PRUNE_METHOD_UTIL_H
#define INCLUDED_AMRCOMPRESS_PRUNE_METHOD_UTIL_H

#include "channel_plan.h"
#include "pruning_method.h"

namespace gr {
namespace amrcompress {
namespace prune {

//! Importance of each channel of each space (higher = keep).
using channel_scores = std::map<std::string, std::vector<double>>;
using scorer = std::function<channel_scores(prune_session&, const net_state&)>;
//! Weight-only criterion, evaluated on a module's current weights (soft methods).
using weight_scorer =
    std::function<std::vector<double>(const net_state&, const channel_space&)>;

//! Hard pruning plan: the floor(width * keep) best channels of every space.
channel_plan keep_top(const prunable_graph& g, const channel_scores& scores, double keep);

//! The spec with every space narrowed to floor(width * keep) channels.
nlohmann::json spec_with_keep(const net_state& net, const prunable_graph& g, double keep);

/*!
 * The keep fraction to prune with: cfg.channel_keep, or with cfg.target_params
 * the largest fraction whose model has at most (1 - target) of the params.
 */
double choose_keep(prune_session& s, const net_state& original);

//! Score, keep the best channels (slicing), fine-tune cfg.epochs.
pruned
hard_channel_prune(prune_session& s, const net_state& original, const scorer& score);

//! Fine-tune cfg.epochs, zeroing the worst channels' filters after every epoch.
pruned soft_channel_prune(prune_session& s,
                          const net_state& original,
                          const weight_scorer& score);

/*!
 * Removes layers in `ranking` order (indices into graph.layers, first =
 * remove first) until cfg.target_params of the params are gone or cfg.layers
 * layers are (skipping any whose removal would leave a resnet stage empty),
 * then fine-tunes cfg.epochs.
 */
pruned remove_ranked_layers(prune_session& s,
                            const net_state& original,
                            const std::vector<size_t>& ranking);

//! Indices of graph.layers sorted by ascending value (ties: network order).
std::vector<size_t> ascending(const std::vector<size_t>& layers,
                              const std::vector<double>& value);

} // namespace prune
} // namespace amrcompress
} // namespace gr

#endif
