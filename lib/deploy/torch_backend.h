/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The LibTorch inference backend's entry point in the ML library
 * (gnuradio-amrcompress-ml). The core library reaches it with dlopen() +
 * dlsym(AMR_TORCH_BACKEND_FACTORY) (lib/deploy/open_backend.cc), so that a
 * process that never needs LibTorch never loads it. Torch-free. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_TORCH_BACKEND_H
#define INCLUDED_AMRCOMPRESS_TORCH_BACKEND_H

#include "inference_backend.h"

//! The factory's symbol name, for dlsym().
#define AMR_TORCH_BACKEND_FACTORY "amrcompress_open_torch_backend"

extern "C" {
/*!
 * Opens `path` with LibTorch into `*out` (input_error for a file that is not
 * a model following the contract, with a trial batch). C linkage only for
 * an unmangled name: it is called from C++ and throws C++ exceptions.
 */
typedef void (*amrcompress_torch_backend_factory)(
    const std::string& path,
    const gr::amrcompress::deploy::backend_options& opt,
    std::unique_ptr<gr::amrcompress::deploy::inference_backend>* out);

AMRCOMPRESS_API void amrcompress_open_torch_backend(
    const std::string& path,
    const gr::amrcompress::deploy::backend_options& opt,
    std::unique_ptr<gr::amrcompress::deploy::inference_backend>* out);
}

#endif
