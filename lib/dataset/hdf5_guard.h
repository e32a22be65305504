/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Opening an untrusted HDF5 file without letting libhdf5 take the process
 * down. Private.
 *
 * libhdf5 trusts its own metadata: a few flipped bytes in a file's object
 * headers or B-trees can make it read out of bounds and die by a signal (its
 * CVE record is long). No amount of checking on our side of its API can rule
 * that out, so every file from outside is first opened and walked in a forked
 * child. If the child dies, hangs or throws, the parent gets an input_error
 * naming the file and never touches it; if the child finishes, the parent
 * opens the same file knowing libhdf5 got through its metadata once.
 */
#ifndef INCLUDED_AMRCOMPRESS_HDF5_GUARD_H
#define INCLUDED_AMRCOMPRESS_HDF5_GUARD_H

#include <gnuradio/amrcompress/api.h>
#include <chrono>
#include <functional>
#include <string>

namespace gr {
namespace amrcompress {
namespace h5 {

/*!
 * Runs \p check in a forked child and returns when it finished without an
 * exception. Throws input_error(path, ...) when the child throws (its
 * message), dies by a signal, or is still running after \p timeout (it is
 * killed). The caller must hold library_mutex(), so no other thread of this
 * process is inside libhdf5 while the child is forked; the child leaves by
 * _exit, so it never flushes or closes what the parent has open.
 */
AMRCOMPRESS_API void check_in_subprocess(const std::string& path,
                                         const std::function<void()>& check,
                                         std::chrono::milliseconds timeout);

/*!
 * The timeout the readers use: 60 s by default, generous since a real file's
 * metadata takes milliseconds (and a large file's labels a second or two).
 * The fuzz targets shorten it, so that an input libhdf5 loops on costs them
 * seconds, not a minute.
 */
AMRCOMPRESS_API std::chrono::milliseconds check_timeout();
AMRCOMPRESS_API void set_check_timeout(std::chrono::milliseconds t);

/*!
 * On by default. Off only for the fuzz target that measures what the check
 * buys (tests/fuzz); never off in the tools or blocks.
 */
AMRCOMPRESS_API void set_subprocess_checks(bool on);
AMRCOMPRESS_API bool subprocess_checks();

//! True in the checking child (its own library lock, no nested forks).
AMRCOMPRESS_API bool in_checking_subprocess();

} // namespace h5
} // namespace amrcompress
} // namespace gr

#endif
