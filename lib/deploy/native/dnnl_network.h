/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A model's graph compiled into oneDNN primitives for one batch size and
 * precision: convolutions fused with their BatchNorm (folded into the
 * weights), bias, ReLU and residual sum (in place), memory formats chosen by
 * oneDNN once at load, weights reordered once, activations in a few buffers
 * reused by liveness, one shared scratchpad: nothing is allocated per batch.
 * Private; no oneDNN types in this header.
 */
#ifndef INCLUDED_AMRCOMPRESS_DNNL_NETWORK_H
#define INCLUDED_AMRCOMPRESS_DNNL_NETWORK_H

#include "../../model/net_graph.h"
#include "../inference_backend.h"
#include "../torchscript_archive.h"
#include "fold_rows.h"
#include <gnuradio/amrcompress/api.h>
#include <map>
#include <memory>
#include <string>

namespace gr {
namespace amrcompress {
namespace deploy {

//! int8 activation ranges: max |value| of each activation (by graph name).
struct int8_calibration {
    std::map<std::string, float> max_abs;
    size_t frames = 0;
};

class AMRCOMPRESS_API dnnl_network
{
public:
    /*!
     * Compiles the graph. Throws input_error when a tensor the graph reads
     * is missing or of another shape, or int8 lacks a range; throws
     * unsupported_model when oneDNN cannot run the graph here (an op without
     * a native kernel, a precision the CPU lacks). A 2-D graph of short
     * rows runs with its rows folded into channels (fold_rows.h) unless
     * `fold` is false (for comparisons).
     */
    dnnl_network(const model::net_graph& g,
                 const tensor_map& weights,
                 size_t batch,
                 precision p,
                 const int8_calibration* calibration = nullptr,
                 bool fold = true);
    ~dnnl_network();

    size_t batch() const;
    size_t classes() const;
    /*!
     * Frames [n, 2, L] (n <= batch) -> logits [n, C]. `observe` (fp32 only)
     * widens each activation's range with this batch's values (int8
     * calibration).
     */
    void
    forward(const float* x, size_t n, float* logits, int8_calibration* observe = nullptr);
    //! Whether the graph runs with its rows folded into channels (fold_rows.h).
    bool rows_folded() const;
    //! e.g. "brg:avx512_core_bf16" of the convolutions, for the log.
    std::string kernels() const;
    /*!
     * Microseconds per call of each primitive in execution order, each run
     * `iters` times on its own (after a forward() that filled the buffers),
     * with oneDNN's name of its kernel: where a batch's time goes.
     */
    std::vector<std::pair<std::string, double>> profile(int iters);

private:
    struct impl;
    std::unique_ptr<impl> d;
};

//! The graph holds an op, or asks for a precision, that oneDNN cannot run here.
class unsupported_model : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

} // namespace deploy
} // namespace amrcompress
} // namespace gr

#endif
