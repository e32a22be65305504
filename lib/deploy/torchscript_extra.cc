/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../util/atomic_file.h"
#include "torchscript_archive.h"
#include "torchscript_extra.h"
#include <gnuradio/amrcompress/error.h>
#include <zip.h>
#include <cstdio>
#include <filesystem>

namespace gr {
namespace amrcompress {
namespace deploy {

void write_with_extra_file(const std::string& src,
                           const std::string& dst,
                           const std::string& name,
                           const std::string& text)
{
    // A file the reader refuses is not copied (and names the problem).
    const std::string archive = read_torchscript(src).archive_name;
    atomic_file out(dst);
    const std::string& tmp = out.temp_path();
    std::error_code ec;
    std::filesystem::copy_file(
        src, tmp, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec)
        throw input_error(dst, "cannot write (" + ec.message() + ")");
    int err = 0;
    zip_t* za = zip_open(tmp.c_str(), 0, &err);
    auto fail = [&](const std::string& what) {
        if (za)
            zip_discard(za);
        throw input_error(dst, what); // out removes the temporary
    };
    if (!za)
        fail("cannot reopen the copy as a zip archive");
    // zip_source_buffer does not copy: `text` outlives zip_close.
    zip_source_t* s = zip_source_buffer(za, text.data(), text.size(), 0);
    if (!s)
        fail("cannot add the extra file");
    const std::string entry = archive + "/extra/" + name;
    const zip_int64_t idx =
        zip_file_add(za, entry.c_str(), s, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
        zip_source_free(s);
        fail(std::string("cannot add the extra file: ") + zip_strerror(za));
    }
    zip_set_file_compression(za, zip_uint64_t(idx), ZIP_CM_STORE, 0);
    if (zip_close(za) != 0)
        fail(std::string("cannot write the archive: ") + zip_strerror(za));
    za = nullptr;
    out.commit();
}

} // namespace deploy
} // namespace amrcompress
} // namespace gr
