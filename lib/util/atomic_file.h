/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Replacing a file so that a reader, a kill or a power cut never sees half of
 * it. Private. Every writer of a finished file (a dataset, a model, a
 * checkpoint, a coreset) goes through here, so they share one suffix and one
 * level of durability.
 */
#ifndef INCLUDED_AMRCOMPRESS_ATOMIC_FILE_H
#define INCLUDED_AMRCOMPRESS_ATOMIC_FILE_H

#include <gnuradio/amrcompress/api.h>
#include <string>

namespace gr {
namespace amrcompress {

/*!
 * A file written under temp_path() (the final name + ".partial", in the same
 * directory so the rename cannot cross file systems) and moved into place by
 * commit(): the temporary is fsynced, renamed over the final name, and the
 * directory is fsynced so the new name is durable too. Every failure is an
 * input_error naming the file. Destroyed uncommitted, it removes the
 * temporary: the old file, if any, is untouched.
 */
class AMRCOMPRESS_API atomic_file
{
public:
    static constexpr const char* suffix = ".partial";

    explicit atomic_file(const std::string& path);
    ~atomic_file();
    atomic_file(const atomic_file&) = delete;
    atomic_file& operator=(const atomic_file&) = delete;

    const std::string& path() const { return d_path; }
    const std::string& temp_path() const { return d_temp; }

    void commit();

private:
    std::string d_path, d_temp;
    bool d_done = false;
};

//! \p bytes as the whole of \p path, through an atomic_file.
AMRCOMPRESS_API void write_file_atomically(const std::string& path,
                                           const std::string& bytes);

//! fsync of a file already written (by a library such as HDF5 or LibTorch).
AMRCOMPRESS_API void sync_file(const std::string& path);

//! fsync of the directory holding \p path, so a rename or create in it is durable.
AMRCOMPRESS_API void sync_parent_directory(const std::string& path);

} // namespace amrcompress
} // namespace gr

#endif
