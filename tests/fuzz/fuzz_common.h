/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by the libFuzzer targets in tests/fuzz: a per-process scratch
 * folder (on tmpfs when there is one) for the readers that take a path, and
 * the one rule of every target: input_error is the only acceptable failure.
 * Any other exception escaping the code under test is a bug; it is printed
 * with its type and message and the process aborts, which libFuzzer reports
 * as a crash (artefact crash-<sha1>).
 */
#ifndef AMR_FUZZ_COMMON_H
#define AMR_FUZZ_COMMON_H

#include <gnuradio/amrcompress/error.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>
#include <typeinfo>

namespace amr_fuzz {

//! A private folder for this process's temporary files, made once. It is
//! removed at exit (libFuzzer's normal exit; a crash leaves it for a look).
inline const std::string& scratch_dir()
{
    static const std::string dir = [] {
        std::string base;
        if (const char* t = std::getenv("AMR_FUZZ_TMPDIR"))
            base = t;
        else if (::access("/dev/shm", W_OK) == 0)
            base = "/dev/shm";
        else if (const char* t = std::getenv("TMPDIR"))
            base = t;
        else
            base = "/tmp";
        std::string tmpl = base + "/amr-fuzz-XXXXXX";
        if (!::mkdtemp(&tmpl[0])) {
            std::perror("amr_fuzz: mkdtemp");
            std::abort();
        }
        static std::string keep = tmpl;
        std::atexit([] {
            std::string cmd = "rm -rf '" + keep + "'";
            if (std::system(cmd.c_str()) != 0) {
            }
        });
        return tmpl;
    }();
    return dir;
}

inline std::string scratch_path(const std::string& name)
{
    return scratch_dir() + "/" + name;
}

//! Writes bytes to a scratch file (truncating it) and returns its path.
inline std::string
write_scratch(const std::string& name, const uint8_t* data, size_t size)
{
    const std::string p = scratch_path(name);
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    f.close();
    if (!f) {
        std::fprintf(stderr, "amr_fuzz: cannot write %s\n", p.c_str());
        std::abort();
    }
    return p;
}

inline std::string write_scratch(const std::string& name, const std::string& s)
{
    return write_scratch(name, reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

[[noreturn]] inline void unexpected(const char* where, const char* type, const char* what)
{
    std::fprintf(stderr,
                 "\n==amr_fuzz== %s: an exception other than input_error escaped: "
                 "%s: %s\n",
                 where,
                 type,
                 what);
    std::fflush(stderr);
    std::abort();
}

/*!
 * Runs fn(); input_error is the expected refusal of bad input, anything
 * else aborts (see above). Returns true when fn() returned normally.
 */
//! AMR_FUZZ_VERBOSE=1 in the environment: print each step's outcome (for
//! running single inputs by hand, e.g. to see why a seed is refused).
inline bool verbose()
{
    static const bool v = std::getenv("AMR_FUZZ_VERBOSE") != nullptr;
    return v;
}

template <typename F>
bool expect_input_error_only(const char* where, F&& fn)
{
    try {
        fn();
        if (verbose())
            std::fprintf(stderr, "[amr_fuzz] %s: accepted\n", where);
        return true;
    } catch (const gr::amrcompress::input_error& e) {
        if (verbose())
            std::fprintf(stderr, "[amr_fuzz] %s: input_error: %s\n", where, e.what());
        return false;
    } catch (const std::exception& e) {
        unexpected(where, typeid(e).name(), e.what());
    }
    // Other types (H5::Exception is not a std::exception) are caught by the
    // target that knows them; anything left propagates and terminates.
}

} // namespace amr_fuzz

#endif
