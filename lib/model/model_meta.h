/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A model file's metadata (the extra file amr_meta.json in its TorchScript
 * archive) read without LibTorch, so that the classifier and the dataset
 * tools can look at a model without loading it. Torch-free. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_MODEL_META_H
#define INCLUDED_AMRCOMPRESS_MODEL_META_H

#include <gnuradio/amrcompress/api.h>
#include <gnuradio/amrcompress/model.h>
#include <string>

namespace gr {
namespace amrcompress {

//! The name of the metadata file inside the archive's extra/ folder.
constexpr const char* MODEL_META_FILE = "amr_meta.json";

/*!
 * Parses the text of amr_meta.json (as model::save writes it) into a
 * model_info. Throws input_error naming `path` when it is empty (a
 * TorchScript file without gr-amrcompress metadata), malformed, or lacks
 * the classes or the frame length. Used by model::load (LibTorch) and by
 * read_model_info (without LibTorch) alike.
 */
AMRCOMPRESS_API model_info parse_model_meta(const std::string& json,
                                            const std::string& path);

namespace model {
//! Refuses (input_error naming `what`) a model that does not fit data with
//! these classes and frame length.
AMRCOMPRESS_API void check_fits(const model_info& info,
                                const std::vector<std::string>& classes,
                                size_t frame_length,
                                const std::string& what);
} // namespace model

} // namespace amrcompress
} // namespace gr

#endif
