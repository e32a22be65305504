/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A model's graph derived from its spec, without torch: the operations in
 * order over named activations, with the tensor names and shapes each one
 * reads, the layers they form and where in the spec each width comes from.
 * It is the one description of an architecture (lib/model/arch/<name>.cc):
 * lib/model/torch_model.cc generates the TorchScript module from it, the
 * native engine compiles it (lib/deploy/native), and pruning derives its
 * channel spaces from it (lib/prune/prunable_graph.cc). Private.
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
        conv,       //!< 1-D or 2-D convolution, weight [out, in / groups, (kh,) kw],
                    //!< optional bias
        batch_norm, //!< inference BatchNorm: weight = gamma, bias = beta, mean, var, eps
        relu,       //!< dst = max(src, 0)
        gelu,       //!< dst = GELU(src) (the erf form)
        add_relu,   //!< dst = relu(src + src2) (a residual sum)
        add,        //!< dst = src + src2 (a residual sum without activation)
        channel_scale, //!< dst = src * `weight` [C, 1] (a layer scale)
        concat,        //!< channels of src, then of src2
        max_pool,      //!< `kernel`, `stride` and (if not empty) `pad` per spatial dim
        subsample,     //!< x[..., ::stride, ::stride] (the option-A shortcut)
        pad_channels,  //!< zero channels appended (out > in) or channels cut (out < in)
        global_avg,    //!< mean over the spatial dims -> [B, C]
        flatten,       //!< [B, ...] -> [B, prod] (a view)
        linear,        //!< weight [out, in], bias [out]
        dropout,       //!< training only (`rate`): absent from inference graphs
        s2m,           //!< SigNet's signal-to-matrix [B, 2, L] -> [B, 2, L, L] with the
                       //!< learnable `weight` [1, 2, k, k] (lib/model/arch/signet.cc;
                       //!< no native kernel: LibTorch runs it)
        lstm,          //!< `layers` recurrent layers of `out` units (tensors
                       //!< `<weight>{l}_wih` ...): mode "ap"/"iq" reads the frame
                       //!< [2, L] and gives the last step [out]; mode "seq"
                       //!< reads [C, T] and gives every step [out (x2), T]
                       //!< (no native kernel: LibTorch runs it)
        stft,          //!< real part of the I row's STFT -> [1, bins, L]
                       //!< (window tensor `weight`, `kernel` = {nfft})
        additive_attention, //!< IQFormer's efficient additive attention over
                            //!< [C, T] tokens (tensors `<weight>_q_w` ...)
    };
    kind_t kind;
    std::string src, src2, dst; //!< activation names (unique: each written once)
    std::string weight, bias;   //!< tensor names in the model file ("" when none)
    std::string mean, var;      //!< batch_norm's running statistics
    double eps = 1e-5;
    double rate = 0;                          //!< dropout's probability
    int64_t in = 0, out = 0;                  //!< channels / features
    int64_t layers = 0;                       //!< lstm's depth
    int64_t groups = 1;                       //!< conv groups
    bool bidirectional = false;               //!< lstm
    std::string mode;                         //!< lstm's input: "ap" or "iq"
    std::vector<int64_t> kernel, stride, pad; //!< per spatial dim
    act_shape out_shape;                      //!< the dst's shape
    //! Where `out` is set in the spec (a JSON pointer), for conv ops whose
    //! width the spec chooses; "" when it is fixed (classes, an input).
    std::string width_pointer;
    std::string layer; //!< the layer emitting it ("" outside every layer)
    std::string tap;   //!< the name under which `taps` returns dst, or ""
};

/*!
 * A layer: the ops emitted between its input `src` and output `dst` (the tap
 * of its name). One of a spec list (`list_pointer`, `list_index`) can be
 * removed when its input and output shapes agree.
 */
struct net_layer {
    std::string name;
    std::string src, dst;
    std::string list_pointer;
    size_t list_index = 0;
};

struct AMRCOMPRESS_API net_graph {
    std::string arch;
    std::string input = "input"; //!< [B, 2, L]
    std::string output;          //!< [B, C] logits
    act_shape input_shape;       //!< {2, L}
    std::vector<net_op> ops;
    std::vector<net_layer> layers; //!< in network order
    //! Every tensor the graph reads with its shape (as in the model file).
    std::vector<std::pair<std::string, std::vector<int64_t>>> tensors;
    const act_shape& shape_of(const std::string& activation) const;
};

/*!
 * The graph of a spec for C classes and frames of L samples (the spec as
 * model_info::spec holds it); with `training_ops`, also the ops that act
 * only in training (dropout). Throws input_error for a malformed spec or
 * one that does not fit the frame length.
 */
AMRCOMPRESS_API net_graph build_net_graph(const nlohmann::json& spec,
                                          size_t classes,
                                          size_t L,
                                          bool training_ops = false);

//! Whether `arch` is a line of architectures.def.
AMRCOMPRESS_API bool known_architecture(const std::string& arch);

//! The names of architectures.def, joined by `sep`.
AMRCOMPRESS_API std::string architecture_names(const char* sep = ", ");

} // namespace model
} // namespace amrcompress
} // namespace gr

#endif
