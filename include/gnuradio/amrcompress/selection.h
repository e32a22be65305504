/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_SELECTION_H
#define INCLUDED_AMRCOMPRESS_SELECTION_H

#include <gnuradio/amrcompress/api.h>
#include <gnuradio/amrcompress/dataset.h>
#include <limits>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {

class dataset_reader;

//! Which frames to keep. Empty/unset members do not filter.
struct AMRCOMPRESS_API frame_filter {
    std::vector<size_t> indices;      //!< start from these frames (else all)
    std::vector<std::string> classes; //!< keep these class names
    float snr_min = -std::numeric_limits<float>::infinity();
    float snr_max = std::numeric_limits<float>::infinity();
};

//! Indices of the frames passing the filter, in the order of filter.indices (or file
//! order).
AMRCOMPRESS_API std::vector<size_t> select_frames(const dataset_reader& ds,
                                                  const frame_filter& filter);

struct AMRCOMPRESS_API split_indices {
    std::vector<size_t> train;
    std::vector<size_t> test;
};

/*!
 * \brief Deterministic stratified split per (class, SNR) group.
 *
 * Within each group, frames keep their file order; the first
 * round(train_fraction * n) go to train and the rest to test, as the authors'
 * 800/200 split of RML2016.10a. Only the frames in `subset` are split (all if empty).
 */
AMRCOMPRESS_API split_indices stratified_split(const std::vector<int32_t>& labels,
                                               const std::vector<float>& snr_db,
                                               double train_fraction,
                                               const std::vector<size_t>& subset = {});

/*!
 * \brief Index files: plain text, one frame index per line, '#' starts a comment.
 * Reading validates every line (integers, < n_frames, no duplicates).
 */
AMRCOMPRESS_API std::vector<size_t> read_index_file(const std::string& path,
                                                    size_t n_frames);
AMRCOMPRESS_API void write_index_file(const std::string& path,
                                      const std::vector<size_t>& indices,
                                      const std::string& comment = "");

/*!
 * Writes the selected frames of ds into a new dataset file (streamed), X in
 * chunks of `chunk_frames` frames (0: 1024); this also rewrites a file whose
 * small chunks make it slow to stream.
 */
AMRCOMPRESS_API void write_subset(const dataset_reader& ds,
                                  const std::vector<size_t>& indices,
                                  const std::string& out_path,
                                  bool overwrite,
                                  size_t chunk_frames = 0);

} // namespace amrcompress
} // namespace gr

#endif
