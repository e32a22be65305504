/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Process-wide settings every LibTorch entry point applies (trainer,
 * evaluator, benchmarks, blocks). Measured in docs/benchmarks.md. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_TORCH_RUNTIME_H
#define INCLUDED_AMRCOMPRESS_TORCH_RUNTIME_H

#include <gnuradio/amrcompress/api.h>
#include <string>

namespace gr {
namespace amrcompress {

/*
 * Two kinds of setting, kept apart because PyTorch keeps some per thread and
 * some are the whole process's:
 *
 * Per thread (every thread that runs LibTorch must apply them, or it runs
 * with the defaults): LibTorch's intra-op threads, and TorchScript's graph
 * optimiser flag (off for training: no faster for CNN1D and 17-40 % slower
 * for ResNet56 here; AMR_JIT_OPTIMIZE=0/1 overrides).
 *
 * Process-wide (the user's process, so only the tools apply them, and a
 * block only when its user opts in with process_tuning): glibc's mmap and
 * trim thresholds (by default every activation above the mmap threshold is
 * mapped and unmapped on each step, page-faulting all of it again; training
 * CNN1D ran 3.9x slower that way), unless MALLOC_MMAP_THRESHOLD_ /
 * MALLOC_TRIM_THRESHOLD_ are set; and OpenBLAS's thread count, unless
 * OPENBLAS_NUM_THREADS is set.
 */

//! The per-thread settings, on the calling thread.
AMRCOMPRESS_API void configure_torch_thread(int threads, bool jit_optimize);

//! The process-wide settings (malloc thresholds once; OpenBLAS threads).
AMRCOMPRESS_API void tune_process_for_torch(int blas_threads);

/*!
 * Whether configure_torch_runtime() also tunes the process. Off by default
 * (a library in someone else's process); the amr tool turns it on in main().
 */
AMRCOMPRESS_API void set_process_tuning(bool on);
AMRCOMPRESS_API bool process_tuning();

/*!
 * What the library's LibTorch entry points (training, pruning, model
 * outputs, the keeper's worker) call on each thread they run LibTorch on:
 * the per-thread settings with the optimiser off, plus the process-wide ones
 * when process_tuning() is on.
 */
AMRCOMPRESS_API void configure_torch_runtime(int threads);

/*!
 * Intra-op threads for training a model of this many MACs per frame when the
 * user does not say: measured here, two threads slow small models (CNN1D,
 * 3.5M: 3,114 vs 3,757 samples/s) and speed large conv nets (ResNet56, 42M:
 * +39 %; CNN2D +16 %), but slow the LSTM 3.4x whatever its size.
 */
AMRCOMPRESS_API int auto_threads(const std::string& arch, double flops_per_frame);

} // namespace amrcompress
} // namespace gr

#endif
