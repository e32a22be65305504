/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "torch_runtime.h"
#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <malloc.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <utility>

namespace gr {
namespace amrcompress {

namespace {
std::atomic<bool> tune_process{ false };

// AMR_JIT_OPTIMIZE=0/1 overrides the caller's choice.
bool jit_optimize_for(bool wanted)
{
    const char* e = std::getenv("AMR_JIT_OPTIMIZE");
    if (!e || !*e)
        return wanted;
    return std::string(e) != "0";
}
} // namespace

void set_process_tuning(bool on) { tune_process = on; }
bool process_tuning() { return tune_process; }

void configure_torch_thread(int threads, bool jit_optimize)
{
    at::set_num_threads(std::max(1, threads));
    torch::jit::setGraphExecutorOptimize(jit_optimize_for(jit_optimize));
}

void tune_process_for_torch(int blas_threads)
{
    static std::once_flag once;
    std::call_once(once, [] {
        // Respect an explicit choice from the environment.
        if (!std::getenv("MALLOC_MMAP_THRESHOLD_"))
            mallopt(M_MMAP_THRESHOLD, 256 << 20);
        if (!std::getenv("MALLOC_TRIM_THRESHOLD_"))
            mallopt(M_TRIM_THRESHOLD, 512 << 20);
    });
    // LibTorch's thread setting does not reach OpenBLAS, which Debian's
    // LibTorch calls for GEMMs: its own pool (one thread per core) spins in
    // sched_yield between calls and so holds a core that the rest of the
    // process (a flowgraph's threads, another rank) needs. Looked up at run
    // time because the system BLAS is chosen by update-alternatives. An
    // explicit OPENBLAS_NUM_THREADS is respected.
    using set_threads_fn = void (*)(int);
    if (std::getenv("OPENBLAS_NUM_THREADS"))
        return;
    if (auto f = reinterpret_cast<set_threads_fn>(
            dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
        f(std::max(1, blas_threads));
}

void configure_torch_runtime(int threads)
{
    configure_torch_thread(threads, false);
    if (tune_process)
        tune_process_for_torch(threads);
}

int auto_threads(const std::string& arch, double flops_per_frame)
{
    // The `threads` column of architectures.def.
#define AMR_THREADS_parallel false
#define AMR_THREADS_one_thread true
    static const std::pair<const char*, bool> one_thread[] = {
#define AMR_ARCH(name, threads) { #name, AMR_THREADS_##threads },
#include "../model/architectures.def"
#undef AMR_ARCH
    };
#undef AMR_THREADS_parallel
#undef AMR_THREADS_one_thread
    for (const auto& [name, one] : one_thread)
        if (arch == name && one)
            return 1;
    const int cores = std::max(1u, std::thread::hardware_concurrency());
    return flops_per_frame >= 10e6 ? std::min(2, cores) : 1;
}

} // namespace amrcompress
} // namespace gr
