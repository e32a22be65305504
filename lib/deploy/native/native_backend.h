/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The native inference engine's entry points: a zoo model (whatever its spec
 * describes: cnn1d, resnet, cnn2d and their pruned variants) run by oneDNN
 * from the weights in its TorchScript file, without LibTorch; and int8
 * calibration, stored in the model file as the extra file amr_int8.json.
 * Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_NATIVE_BACKEND_H
#define INCLUDED_AMRCOMPRESS_NATIVE_BACKEND_H

#include "../inference_backend.h"
#include "dnnl_network.h"
#include <nlohmann/json.hpp>

namespace gr {
namespace amrcompress {
namespace deploy {

/*!
 * The native engine for the model at `path`, or nullptr with `why_not` set
 * when it cannot run it (an architecture without a native graph such as the
 * LSTM, a precision this CPU lacks, int8 for a model not calibrated).
 * Throws input_error for a broken file (corrupt archive, weights that do not
 * match the spec, a malformed calibration).
 */
AMRCOMPRESS_API std::unique_ptr<inference_backend>
open_native(const std::string& path, const backend_options& opt, std::string* why_not);

//! Whether oneDNN can run bf16 here (AVX512-BF16 or AMX; ONEDNN_MAX_CPU_ISA
//! can lower what it may use). Without it the native engine refuses bf16.
AMRCOMPRESS_API bool native_bf16_available();

//! Where a batch's time goes in the native network of a model.
struct native_profile {
    std::string kernels;      //!< oneDNN's kernels, as backend descriptions name them
    double forward_us = 0;    //!< one batch's forward pass, mean over the iterations
    bool rows_folded = false; //!< the graph ran with its rows folded (fold_rows.h)
    //! Each step in execution order: oneDNN's name of it and its microseconds.
    std::vector<std::pair<std::string, double>> steps;
};

/*!
 * Times the native network of the model at `path` (opt: batch, threads,
 * precision) on random frames: the whole forward pass and each step alone,
 * `iters` times each. `fold_rows` false runs a 2-D graph unfolded (for
 * comparison). Throws input_error when the native engine cannot run it.
 */
AMRCOMPRESS_API native_profile profile_native(const std::string& path,
                                              const backend_options& opt,
                                              bool fold_rows,
                                              int iters);

//! The name of the calibration inside the archive's extra/ folder.
constexpr const char* INT8_CALIBRATION_FILE = "amr_int8.json";

/*!
 * Activation ranges of the model at `path` over `n` frames ([n, 2, L],
 * normalised as the model expects), measured by its fp32 native network.
 * Deterministic: the same frames give the same ranges.
 */
AMRCOMPRESS_API int8_calibration calibrate_int8(const std::string& path,
                                                const float* frames,
                                                size_t n);

/*!
 * Copies the model file `src` to `dst` with the calibration (and what it
 * was made from, `provenance`) as extra/amr_int8.json, replacing an older
 * one; the copy stays loadable by torch.jit.load. Written to dst.partial
 * and renamed into place.
 */
AMRCOMPRESS_API void write_int8_calibration(const std::string& src,
                                            const std::string& dst,
                                            const int8_calibration& cal,
                                            const nlohmann::json& provenance);

} // namespace deploy
} // namespace amrcompress
} // namespace gr

#endif
