/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A model's inference graph derived from its spec, without torch: the
 * operations in order over named activations, with the tensor names and
 * shapes each one reads. The native engine compiles it (lib/deploy/native);
 * tests check it against the TorchScript module built from the same spec
 * (same tensors, same outputs). Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_NET_GRAPH_H
#define INCLUDED_AMRCOMPRESS_NET_GRAPH_H

#include <gnuradio/amrcompress/api.h>
#include <nlohmann/json.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {
namespace model {

//! An activation's shape without the batch: {C, W} (1-D) or {C, H, W} (2-D).
using act_shape = std::vector<int64_t>;

struct net_op {
    enum kind_t {
        scale,      //!< dst = src * (0-d tensor `weight`): the model's input gain
        unsqueeze,  //!< [B, C, W] -> [B, 1, C, W] (a view)
        squeeze,    //!< [B, C, 1, W] -> [B, C, W] (a view)
        conv,       //!< 1-D or 2-D convolution, weight [out, in, (kh,) kw], optional bias
        batch_norm, //!< inference BatchNorm: weight = gamma, bias = beta, mean, var, eps
        relu,       //!< dst = max(src, 0)
        add_relu,   //!< dst = relu(src + src2) (a residual sum)
        max_pool,   //!< kernel = stride = `kernel` (per spatial dim)
        subsample,  //!< x[..., ::stride, ::stride] (the option-A shortcut)
        pad_channels, //!< zero channels appended (out > in) or channels cut (out < in)
        global_avg,   //!< mean over the spatial dims -> [B, C]
        flatten,      //!< [B, ...] -> [B, prod] (a view)
        linear,       //!< weight [out, in], bias [out]
        lstm,         //!< a recurrent stack (no native kernel: LibTorch runs it)
    };
    kind_t kind;
    std::string src, src2, dst; //!< activation names (unique: each written once)
    std::string weight, bias;   //!< tensor names in the model file ("" when none)
    std::string mean, var;      //!< batch_norm's running statistics
    double eps = 1e-5;
    int64_t in = 0, out = 0;                  //!< channels / features
    std::vector<int64_t> kernel, stride, pad; //!< per spatial dim
    act_shape out_shape;                      //!< the dst's shape
};

struct AMRCOMPRESS_API net_graph {
    std::string arch;
    std::string input = "input"; //!< [B, 2, L]
    std::string output;          //!< [B, C] logits
    act_shape input_shape;       //!< {2, L}
    std::vector<net_op> ops;
    //! Every tensor the graph reads with its shape (as in the model file).
    std::vector<std::pair<std::string, std::vector<int64_t>>> tensors;
    const act_shape& shape_of(const std::string& activation) const;
};

/*!
 * The graph of a spec for C classes and frames of L samples (the spec as
 * model_info::spec holds it). Throws input_error for a malformed spec or
 * one that does not fit the frame length.
 */
AMRCOMPRESS_API net_graph build_net_graph(const nlohmann::json& spec,
                                          size_t classes,
                                          size_t L);

} // namespace model
} // namespace amrcompress
} // namespace gr

#endif
