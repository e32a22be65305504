/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A model as its spec plus named tensors: the form every pruning step edits
 * (slice or fuse tensors, edit the spec) before a module is built again.
 * Private (torch).
 */
#ifndef INCLUDED_AMRCOMPRESS_NET_STATE_H
#define INCLUDED_AMRCOMPRESS_NET_STATE_H

#include "../model/torch_model.h"
#include "prunable_graph.h"
#include <gnuradio/amrcompress/api.h>
#include <map>

namespace gr {
namespace amrcompress {
namespace prune {

//! Exported (like the other prune/ internals) for the unit tests only.
struct AMRCOMPRESS_API net_state {
    nlohmann::json spec;
    model_info info; //!< classes, frame length, normalisation (sizes refreshed by build)
    std::map<std::string, torch::Tensor> tensors; //!< parameters and buffers by name

    //! Copies the tensors of a built or loaded model (and reads its spec).
    static net_state from(const model::built_model& m);
    /*!
     * Builds the module of `spec` and fills it with `tensors`; throws
     * input_error when a tensor is missing or its shape differs from what the
     * spec implies (a pruning step that broke the network's consistency).
     */
    model::built_model build() const;
    prunable_graph graph() const { return describe_prunable(spec, info.frame_length); }
};

/*!
 * A module's parameters and buffers by name: copies, or (copy = false) views
 * sharing the module's storage, so that editing them edits the module.
 */
std::map<std::string, torch::Tensor> module_tensors(const torch::jit::Module& m,
                                                    bool copy);

//! Drops the removed layers' tensors and renames the survivors (remove_layers()).
AMRCOMPRESS_API net_state apply_layer_removal(const net_state& net,
                                              const layer_removal& r);

//! Size (params, FLOPs) of the model the spec describes, for data like `like`.
AMRCOMPRESS_API model_info describe_spec(const nlohmann::json& spec,
                                         const model_info& like);

} // namespace prune
} // namespace amrcompress
} // namespace gr

#endif
