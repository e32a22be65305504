/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Process-wide settings every LibTorch entry point applies (trainer,
 * evaluator, benchmarks, blocks). Measured in docs/benchmarks.md. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_TORCH_RUNTIME_H
#define INCLUDED_AMRCOMPRESS_TORCH_RUNTIME_H

#include <string>

namespace gr {
namespace amrcompress {

/*!
 * Keeps tensor buffers in glibc's heap instead of fresh mmap()s: by default
 * every activation above glibc's (dynamic) mmap threshold is mapped and
 * unmapped on each step, page-faulting all of it again; training CNN1D ran
 * 3.9x slower that way. Turns TorchScript's graph optimisation off (slower
 * here; AMR_JIT_OPTIMIZE=1 turns it on). Sets LibTorch's intra-op threads,
 * and OpenBLAS's when it is the BLAS in use.
 */
void configure_torch_runtime(int threads);

/*!
 * Intra-op threads for training a model of this many MACs per frame when the
 * user does not say: measured here, two threads slow small models (CNN1D,
 * 3.5M: 3,114 vs 3,757 samples/s) and speed large conv nets (ResNet56, 42M:
 * +39 %; CNN2D +16 %), but slow the LSTM 3.4x whatever its size.
 */
int auto_threads(const std::string& arch, double flops_per_frame);

} // namespace amrcompress
} // namespace gr

#endif
