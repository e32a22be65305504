/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What can be pruned in a model built from a spec, without torch: its
 * channel spaces (sets of channels that must share one pruning decision)
 * and its layers (in network order, some of them removable). Every pruning
 * method works on this description. It is derived from the graph the
 * architecture's file emits (lib/model/arch/), so a new architecture needs
 * nothing here. Private.
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
    std::string name;          //!< e.g. "s0" (a cnn1d stack), "s0_u1", "l2_b4"
    std::string width_pointer; //!< JSON pointer of its width in the spec
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
    std::string name;       //!< also the prefix of its tensors ("s0_u1" -> "s0_u1_c1_w")
    bool removable = false; //!< removing it keeps every shape (identity in its place)
    std::string
        list_pointer; //!< JSON pointer of the spec list holding it (removable only)
    size_t list_index = 0;
};

struct AMRCOMPRESS_API prunable_graph {
    std::string arch;
    nlohmann::json spec; //!< the spec it describes
    size_t frame_length = 0;
    std::vector<channel_space> spaces;
    std::vector<layer_entry> layers;
    const channel_space& space(const std::string& name) const;
    std::vector<size_t> removable() const;        //!< indices into layers
    std::vector<std::string> layer_names() const; //!< also the names of their taps
    //! Whether removing these layers together leaves a valid model (a resnet
    //! stage keeps at least one block).
    bool can_remove(const std::vector<size_t>& layers) const;
};

//! Whether a tensor name ("s0_u1_c2_w") belongs to a layer ("s0_u1").
AMRCOMPRESS_API bool belongs_to_layer(const std::string& tensor,
                                      const std::string& layer);

/*!
 * The channel spaces and layers of a spec, traced through its graph: each
 * conv's output channels form a space, residual sums couple spaces into one
 * (a cnn1d stack: its entry conv and every unit's second conv), and a space
 * whose width something fixes is left alone (the resnet residual widths,
 * chained across stages by the parameter-free shortcut's zero channels;
 * docs/pruning.md). A layer of a spec list whose input and output shapes
 * agree is removable. Throws input_error for a malformed spec, or one with
 * nothing to prune (the LSTM).
 */
AMRCOMPRESS_API prunable_graph describe_prunable(const nlohmann::json& spec,
                                                 size_t frame_length);

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
