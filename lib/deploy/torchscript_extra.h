/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Adding an extra file to a TorchScript archive without LibTorch (what
 * torch.jit.save's _extra_files would write), e.g. a model's int8
 * calibration. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_TORCHSCRIPT_EXTRA_H
#define INCLUDED_AMRCOMPRESS_TORCHSCRIPT_EXTRA_H

#include <gnuradio/amrcompress/api.h>
#include <string>

namespace gr {
namespace amrcompress {
namespace deploy {

/*!
 * Writes a copy of the TorchScript file `src` to `dst` holding `text` as
 * `<archive>/extra/<name>` (replacing an entry of that name), stored
 * uncompressed as PyTorch writes its records. The copy is made in
 * dst.partial and renamed into place; `src` is read with the archive
 * reader's checks first. Throws input_error naming the file.
 */
AMRCOMPRESS_API void write_with_extra_file(const std::string& src,
                                           const std::string& dst,
                                           const std::string& name,
                                           const std::string& text);

} // namespace deploy
} // namespace amrcompress
} // namespace gr

#endif
