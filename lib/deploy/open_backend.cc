/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Picks the engine for a model. The LibTorch backend lives in the ML library
 * (gnuradio-amrcompress-ml, which links LibTorch); it is opened here with
 * dlopen() only when a model needs it, from the directory this library was
 * loaded from (the two are built and installed side by side), else through
 * the normal library search.
 */
#include "inference_backend.h"
#include "native/native_backend.h"
#include "torch_backend.h"
#include <gnuradio/amrcompress/error.h>
#include <dlfcn.h>
#include <algorithm>
#include <mutex>

#ifndef AMR_ML_LIBRARY
#error "AMR_ML_LIBRARY (the ML library's soname) must be defined by the build"
#endif

namespace gr {
namespace amrcompress {
namespace deploy {

namespace {

void anchor() {} // an address inside this library, for dladdr()

std::string this_library_dir()
{
    Dl_info info;
    if (!dladdr(reinterpret_cast<void*>(&anchor), &info) || !info.dli_fname)
        return "";
    const std::string self = info.dli_fname;
    const auto slash = self.rfind('/');
    return slash == std::string::npos ? "" : self.substr(0, slash);
}

//! The ML library's factory; loaded once (never unloaded: backends made by
//! it live in it). Throws input_error when the library cannot be loaded.
amrcompress_torch_backend_factory torch_factory(const std::string& model_path)
{
    static std::mutex mtx;
    static amrcompress_torch_backend_factory factory = nullptr;
    std::lock_guard<std::mutex> lk(mtx);
    if (factory)
        return factory;
    const std::string name = AMR_ML_LIBRARY;
    std::string errors;
    void* lib = nullptr;
    const std::string dir = this_library_dir();
    if (!dir.empty()) {
        lib = dlopen((dir + "/" + name).c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!lib)
            errors = dlerror();
    }
    if (!lib) {
        lib = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!lib)
            errors += (errors.empty() ? "" : "; ") + std::string(dlerror());
    }
    if (!lib)
        throw input_error(
            model_path,
            "this model needs LibTorch, but its library cannot be loaded: " + errors);
    dlerror();
    auto f = reinterpret_cast<amrcompress_torch_backend_factory>(
        dlsym(lib, AMR_TORCH_BACKEND_FACTORY));
    if (!f) {
        const char* e = dlerror();
        throw input_error(model_path,
                          "this model needs LibTorch, but " + name + " lacks " +
                              AMR_TORCH_BACKEND_FACTORY + ": " + (e ? e : "not found"));
    }
    factory = f;
    return factory;
}

std::unique_ptr<inference_backend> open_torch(const std::string& path,
                                              const backend_options& opt)
{
    std::unique_ptr<inference_backend> out;
    torch_factory(path)(path, opt, &out);
    return out;
}

} // namespace

std::string to_string(precision p)
{
    switch (p) {
    case precision::fp32:
        return "fp32";
    case precision::bf16:
        return "bf16";
    case precision::int8:
        return "int8";
    }
    return "?";
}

precision parse_precision(const std::string& s)
{
    if (s == "fp32")
        return precision::fp32;
    if (s == "bf16")
        return precision::bf16;
    if (s == "int8")
        return precision::int8;
    throw input_error("precision '" + s + "': expected fp32, bf16 or int8");
}

backend_options tool_options(size_t batch_size,
                             int threads,
                             const std::string& engine,
                             const std::string& precision)
{
    backend_options opt;
    opt.batch_size = std::max<size_t>(batch_size, 1);
    opt.threads = std::max(threads, 1);
    opt.engine = engine;
    opt.prec = parse_precision(precision);
    return opt;
}

std::unique_ptr<inference_backend>
open_backend(const std::string& model_path, const backend_options& opt, const log_fn& log)
{
    if (opt.engine == "libtorch")
        return open_torch(model_path, opt);
    if (opt.engine != "native" && opt.engine != "auto")
        throw input_error("engine '" + opt.engine +
                          "': expected auto, native or libtorch");
    std::string why_not;
    // bf16 is a speed request, not a different model: where the CPU has no
    // bf16, fp32 on the native engine gives the same predictions (closer, in
    // fact) and stays fast. engine=native asked for bf16 itself: refused.
    backend_options native_opt = opt;
    const bool as_fp32 =
        opt.engine == "auto" && opt.prec == precision::bf16 && !native_bf16_available();
    if (as_fp32)
        native_opt.prec = precision::fp32;
    auto native = open_native(model_path, native_opt, &why_not);
    if (native) {
        if (as_fp32 && log)
            log(model_path + ": this CPU has no AVX512-BF16 instructions: running fp32 "
                             "on the native engine");
        return native;
    }
    if (why_not.empty())
        why_not = "the native engine cannot run it";
    if (opt.engine == "native")
        throw input_error(model_path,
                          "the native engine cannot run this model (" +
                              to_string(opt.prec) + "): " + why_not);
    if (log)
        log(model_path + ": running on LibTorch: " + why_not);
    return open_torch(model_path, opt);
}

} // namespace deploy
} // namespace amrcompress
} // namespace gr
