/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What an architecture file (lib/model/arch/<name>.cc) emits its network
 * with: ops over fresh activation names, the tensors they read, the layers
 * they form, the taps and where in the spec each width comes from. The
 * TorchScript module, the native engine's network and the pruning
 * description all come from what is recorded here. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_GRAPH_BUILDER_H
#define INCLUDED_AMRCOMPRESS_GRAPH_BUILDER_H

#include "model_specs.h"
#include "net_graph.h"
#include <nlohmann/json.hpp>
#include <string>

namespace gr {
namespace amrcompress {
namespace model {

//! Appends ops to a graph; `cur` and `shape` follow the current activation.
class graph_builder
{
public:
    graph_builder(net_graph& g, bool training_ops);

    net_graph& g;
    std::string cur;
    act_shape shape;

    //! Appends `op` reading `cur` (unless op.src is set), writing a fresh
    //! activation of shape `out` that becomes `cur`.
    net_op& push(net_op op, const act_shape& out);
    void tensor(const std::string& name, std::vector<int64_t> shape);

    void scale(const std::string& tensor_name);
    void unsqueeze();    //!< [C, W] -> [1, C, W]
    void squeeze_rows(); //!< [C, 1, W] -> [C, W]
    /*!
     * 1-D (kernel {k}) or 2-D (kernel {kh, kw}) convolution of `cur` into
     * `out` channels, tensors `<name>_w` (and `<name>_b`). `width_pointer`:
     * the spec's JSON pointer that sets `out` ("" when the width is fixed).
     */
    void conv(const std::string& name,
              int64_t out,
              std::vector<int64_t> kernel,
              std::vector<int64_t> stride,
              std::vector<int64_t> pad,
              bool bias,
              const std::string& width_pointer,
              int64_t groups = 1);
    void batch_norm(const std::string& name); //!< `<name>_g`, `_b`, `_rm`, `_rv`
    void relu();
    void gelu();
    void add_relu(const std::string& other);     //!< relu(cur + other)
    void add(const std::string& other);          //!< cur + other
    void channel_scale(const std::string& name); //!< cur * `<name>` [C, 1]
    void concat(const std::string& other);       //!< [cur; other] along channels
    //! Kernel k, stride (0: k) and zero padding in every spatial dim.
    void max_pool(int64_t k, int64_t stride = 0, int64_t pad = 0);
    void subsample(int64_t stride); //!< x[:, :, ::s, ::s]
    void pad_channels(int64_t out); //!< zero channels appended, or cut
    void global_avg();
    void flatten();
    void linear(const std::string& name, int64_t out);
    void dropout(double rate); //!< recorded only in training graphs
    //! A recurrent stack over the frame; tensors lstm<l>_wih, _whh, _bih, _bhh.
    void lstm(int64_t hidden,
              int64_t layers,
              const std::string& mode,
              const std::string& name = "lstm",
              bool bidirectional = false,
              double dropout = 0); //!< between layers, in training
    //! Real part of the STFT of the frame's I row: a periodic Blackman window
    //! of `window` samples, hop 1, zero boundary, `nfft` bins of which the
    //! first `bins` are kept, scaled by 1 / sum(window) (SciPy's stft).
    void stft(int64_t window, int64_t nfft, int64_t bins);
    //! IQFormer's efficient additive attention over [C, T], `token` wide.
    void additive_attention(const std::string& name, int64_t token);
    //! SigNet's S2M front end with a k x k filter per channel, `<name>_w`.
    void s2m(const std::string& name, int64_t k);

    //! `taps` returns the current activation under `name`.
    void tap(const std::string& name);
    /*!
     * Ops up to end_layer() form layer `name` (its tensors are prefixed
     * `<name>_`); a layer of a spec list (`list_pointer` into the spec,
     * position `index`) is removable where its shapes allow.
     */
    void begin_layer(const std::string& name,
                     const std::string& list_pointer = "",
                     size_t index = 0);
    void end_layer(); //!< also taps the layer's output under its name

private:
    void residual(net_op::kind_t kind, const std::string& other);
    bool training_ops;
    int n = 0;
    std::string layer;
};

// The graph function of every line of architectures.def, one file each in
// lib/model/arch/: a line without its file does not link.
#define AMR_ARCH(name, ...) \
    void graph_##name(graph_builder& b, const nlohmann::json& spec, size_t L);
#include "architectures.def"
#undef AMR_ARCH

} // namespace model
} // namespace amrcompress
} // namespace gr

#endif
