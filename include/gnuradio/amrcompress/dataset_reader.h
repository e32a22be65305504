/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_DATASET_READER_H
#define INCLUDED_AMRCOMPRESS_DATASET_READER_H

#include <gnuradio/amrcompress/api.h>
#include <gnuradio/amrcompress/dataset.h>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {

/*!
 * \brief Reads a dataset file (HDF5, RML2018.01a layout plus attributes).
 *
 * Opening validates the structure (X/Y/Z present, dimensions, matching N,
 * one-hot Y, class names) and loads only labels and SNRs, which are small;
 * frames are read on demand, so a file larger than memory is iterated, never
 * loaded whole. Every read checks its frames for NaN/Inf. All problems throw
 * input_error naming the file.
 *
 * Files without our attributes (e.g. RML2018.01a's own GOLD_XYZ file) open
 * with the class order documented for their Y width.
 */
class AMRCOMPRESS_API dataset_reader
{
public:
    explicit dataset_reader(const std::string& path);
    ~dataset_reader();
    dataset_reader(const dataset_reader&) = delete;
    dataset_reader& operator=(const dataset_reader&) = delete;

    const std::string& path() const;
    const dataset_info& info() const;
    size_t size() const;
    //! Frames per HDF5 chunk of X (0: X is stored contiguously).
    size_t chunk_frames() const;
    const std::vector<int32_t>& labels() const;
    const std::vector<float>& snr_db() const;
    bool has_frame_metadata() const;
    //! Per-frame metadata (empty without it).
    const std::vector<double>& capture_time() const;
    const std::vector<int64_t>& capture_id() const;
    //! Radio metadata of live captures (empty without it).
    bool has_radio_metadata() const;
    const std::vector<double>& center_freq() const;
    const std::vector<uint8_t>& snr_estimated() const;

    //! Frames [first, first + count).
    frame_block read(size_t first, size_t count) const;
    //! Frames at the given indices (any order, duplicates allowed), in that order.
    frame_block read_indices(const std::vector<size_t>& indices) const;

    /*!
     * Streams the given frames (all frames if indices is empty) in blocks of at
     * most chunk_frames, in the order given. The callback receives each block
     * and the position in the index list of its first frame.
     */
    void for_each_block(const std::vector<size_t>& indices,
                        size_t chunk_frames,
                        const std::function<void(const frame_block&, size_t)>& fn) const;

private:
    struct impl;
    std::unique_ptr<impl> d;
};

} // namespace amrcompress
} // namespace gr

#endif
