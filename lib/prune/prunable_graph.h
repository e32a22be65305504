/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What can be pruned in a model built from a spec, described without torch:
 * its channel spaces (sets of channels that must share one pruning decision)
 * and its layers (in network order, some of them removable). Every pruning
 * method works on this description, so a new architecture needs only a new
 * describe_* function here. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_PRUNABLE_GRAPH_H
#define INCLUDED_AMRCOMPRESS_PRUNABLE_GRAPH_H

#include <gnuradio/amrcompress/api.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {
namespace prune {

//! One tensor indexed by the space's channels along `dim`; a consumer after a
//! flatten owns `block` consecutive entries per channel (fc1 after cnn1d).
struct tensor_use {
    std::string name;
    int dim = 0;
    int64_t block = 1;
};

/*!
 * \brief Channels that must be pruned or fused together.
 *
 * Producers make the channels (conv weights and biases along dim 0, the
 * BatchNorm after them); consumers read them (the next convs' dim 1, fc1's
 * column blocks). When several convs add into one residual sum, all of them
 * are producers of one coupled space and share one decision.
 */
struct channel_space {
    std::string name;                  //!< e.g. "s0" (a cnn1d stack), "s0_u1", "l2_b4"
    std::string width_pointer;         //!< JSON pointer of its width in the spec
    int width = 0;
    std::vector<std::string> weights;  //!< producer conv weights (scored, clustered)
    std::vector<tensor_use> producers; //!< every tensor indexed on its output side
    std::vector<tensor_use> consumers; //!< every tensor indexed on its input side
    std::string bn_gamma;              //!< BatchNorm scale after the producer, if any
    std::string tap;                   //!< tap holding these channels' feature maps
    bool coupled() const { return weights.size() > 1; }
};

//! A layer in network order; its output is the tap of the same name.
struct layer_entry {
    std::string name;          //!< also the prefix of its tensors ("s0_u1" -> "s0_u1_c1_w")
    bool removable = false;    //!< removing it keeps every shape (identity in its place)
    std::string list_pointer;  //!< JSON pointer of the spec list holding it (removable only)
    size_t list_index = 0;
};

struct AMRCOMPRESS_API prunable_graph {
    std::string arch;
    std::vector<channel_space> spaces;
    std::vector<layer_entry> layers;
    const channel_space& space(const std::string& name) const;
    std::vector<size_t> removable() const; //!< indices into layers
    std::vector<std::string> layer_names() const; //!< also the names of their taps
};

//! Whether a tensor name ("s0_u1_c2_w") belongs to a layer ("s0_u1").
AMRCOMPRESS_API bool belongs_to_layer(const std::string& tensor, const std::string& layer);

/*!
 * Describes a cnn1d or resnet spec (throws input_error for other architectures,
 * naming the ones that can be pruned). cnn1d: every stack is one coupled
 * space (entry conv and each unit's second conv meet in the residual sums) and
 * every unit's inner width is a space; units are removable. resnet: each
 * block's inner width is a space; the residual widths are left alone because
 * the parameter-free shortcut (subsample and zero-pad) chains the channels of
 * all three stages into one coupled space (docs/pruning.md); blocks whose
 * input and output shapes agree are removable.
 */
AMRCOMPRESS_API prunable_graph describe_prunable(const nlohmann::json& spec, size_t frame_length);

/*!
 * The spec without the given layers (indices into graph.layers, removable
 * ones) and the renaming of the surviving layers' tensor prefixes (old -> new,
 * as layer numbers shift down).
 */
struct layer_removal {
    nlohmann::json spec;
    std::vector<std::pair<std::string, std::string>> renames;
    std::vector<std::string> removed;
};
AMRCOMPRESS_API layer_removal remove_layers(const nlohmann::json& spec,
                            const prunable_graph& graph,
                            const std::vector<size_t>& layers);

} // namespace prune
} // namespace amrcompress
} // namespace gr

#endif
