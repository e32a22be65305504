/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Opening files that come from outside. Private.
 *
 * A FIFO, a device or a directory given where a file is expected must be
 * refused before anything opens it: opening a FIFO for reading blocks until a
 * writer appears (forever, for `amr info`), and a directory gives stream
 * errors that name nothing.
 */
#ifndef INCLUDED_AMRCOMPRESS_INPUT_FILE_H
#define INCLUDED_AMRCOMPRESS_INPUT_FILE_H

#include <gnuradio/amrcompress/api.h>
#include <cstdint>
#include <string>

namespace gr {
namespace amrcompress {

/*!
 * Throws input_error(path, ...) unless \p path names a readable regular file
 * (symbolic links are followed). \p what says what the file was meant to be
 * ("dataset", "index file", ...), for the message. Returns its size in bytes.
 */
AMRCOMPRESS_API uint64_t require_regular_file(const std::string& path, const char* what);

/*!
 * The whole of a regular file, refused (input_error naming the file) when it
 * is larger than \p max_bytes: a metadata or index file is small, and one that
 * claims gigabytes is not read into memory to find that out.
 */
AMRCOMPRESS_API std::string
read_small_file(const std::string& path, const char* what, uint64_t max_bytes);

} // namespace amrcompress
} // namespace gr

#endif
