/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What runs a model's forward pass for the inference engine: the native
 * engine (oneDNN, from the model's spec and weights, no LibTorch) or
 * LibTorch (any TorchScript model; opened from the plugin library on
 * demand, so that a process classifying with a zoo model never loads it).
 * Torch-free. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_INFERENCE_BACKEND_H
#define INCLUDED_AMRCOMPRESS_INFERENCE_BACKEND_H

#include <gnuradio/amrcompress/api.h>
#include <gnuradio/amrcompress/model.h>
#include <functional>
#include <memory>
#include <string>

namespace gr {
namespace amrcompress {
namespace deploy {

enum class precision { fp32, bf16, int8 };
AMRCOMPRESS_API std::string to_string(precision p);
//! "fp32", "bf16", "int8"; throws input_error otherwise.
AMRCOMPRESS_API precision parse_precision(const std::string& s);

struct AMRCOMPRESS_API backend_options {
    size_t batch_size = 32;           //!< most frames per forward()
    int threads = 1;                  //!< compute threads of the calling thread
    precision prec = precision::fp32; //!< native engine only; LibTorch runs fp32
    //! "auto": the native engine when it can run the model at this
    //! precision, else LibTorch (with one log line saying why); "native":
    //! the native engine or an error; "libtorch": LibTorch.
    std::string engine = "auto";
    bool optimize = false; //!< LibTorch: freeze + optimize_for_inference
    //! LibTorch: let it tune process-wide settings (glibc malloc thresholds,
    //! OpenBLAS threads; lib/train/torch_runtime.h). AMR_PROCESS_TUNING=0
    //! in the environment turns it off too.
    bool process_tuning = false;
};

/*!
 * The options the tools ask for by name (amr eval, the benchmarks): batch
 * size and threads of at least 1, `engine` and `precision` as the user
 * spelled them (parse_precision throws input_error for an unknown one).
 */
AMRCOMPRESS_API backend_options tool_options(size_t batch_size,
                                             int threads,
                                             const std::string& engine,
                                             const std::string& precision);

class AMRCOMPRESS_API inference_backend
{
public:
    virtual ~inference_backend() = default;
    virtual const model_info& info() const = 0;
    //! e.g. "native oneDNN int8" or "LibTorch fp32"
    virtual std::string description() const = 0;
    /*!
     * Runs n <= batch_size frames (float32 [n, 2, L], contiguous) and writes
     * [n, C] logits. One caller at a time; thread settings (threads) apply
     * to the calling thread.
     */
    virtual void forward(const float* x, size_t n, float* logits) = 0;
};

using log_fn = std::function<void(const std::string&)>;

/*!
 * Opens a model file with the engine `opt.engine` asks for. Throws
 * input_error naming the file when it is not a usable model (contract,
 * weights that do not match the spec, a corrupt file) or when the engine
 * asked for cannot run it; `log` receives the one line saying why a model
 * falls back to LibTorch.
 */
AMRCOMPRESS_API std::unique_ptr<inference_backend> open_backend(
    const std::string& model_path, const backend_options& opt, const log_fn& log = {});

} // namespace deploy
} // namespace amrcompress
} // namespace gr

#endif
