/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_CONVERT_H
#define INCLUDED_AMRCOMPRESS_CONVERT_H

#include <gnuradio/amrcompress/api.h>
#include <gnuradio/amrcompress/generator.h>
#include <string>

namespace gr {
namespace amrcompress {

class dataset_reader;

/*!
 * \brief RML2016.10a-style pickle -> dataset file.
 *
 * The pickle is interpreted, never executed: only the documented structure
 * (a dict of (str, int) -> float32 array [n, 2, L], as numpy pickles it with
 * protocols 0-5) is accepted. Anything else, including a pickle that names a
 * callable other than numpy's array reconstruction, is refused with
 * input_error before a dataset is written.
 */
AMRCOMPRESS_API void rml2016_pickle_to_dataset(const std::string& pickle_path,
                                               const std::string& out_path,
                                               bool overwrite);

/*!
 * \brief Dataset -> SigMF recording (base.sigmf-data, cf32_le, + base.sigmf-meta).
 * One annotation per frame with core:label and amrcompress:snr_db.
 */
AMRCOMPRESS_API void
dataset_to_sigmf(const dataset_reader& ds, const std::string& base, bool overwrite);

//! SigMF recording (cf32_le or ci16_le, one annotation per frame) -> dataset.
AMRCOMPRESS_API void
sigmf_to_dataset(const std::string& base, const std::string& out_path, bool overwrite);

//! Strips .sigmf-meta / .sigmf-data / .sigmf from a path.
AMRCOMPRESS_API std::string sigmf_base(const std::string& path);

} // namespace amrcompress
} // namespace gr

#endif
