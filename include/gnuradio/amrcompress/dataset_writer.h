/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_DATASET_WRITER_H
#define INCLUDED_AMRCOMPRESS_DATASET_WRITER_H

#include <gnuradio/amrcompress/api.h>
#include <gnuradio/amrcompress/dataset.h>
#include <memory>
#include <string>

namespace gr {
namespace amrcompress {

struct AMRCOMPRESS_API writer_options {
    bool overwrite = false;        //!< replace an existing file
    bool frame_metadata = false;   //!< write capture_time / capture_id
    size_t chunk_frames = 1024;    //!< HDF5 chunk size along N
};

/*!
 * \brief Appends frames to a dataset file in the RML2018.01a layout.
 *
 * X float32 [N, L, 2], Y int64 one-hot [N, C], Z int64 [N, 1] (SNR rounded to
 * whole dB, as RML2018), plus snr_db float32 [N] with the unrounded value and
 * root attributes for dataset_info. Datasets are extensible, and everything
 * appended before flush() survives a crash of the writing process.
 */
class AMRCOMPRESS_API dataset_writer
{
public:
    dataset_writer(const std::string& path,
                   const dataset_info& info,
                   const writer_options& opts = writer_options());
    ~dataset_writer(); //!< closes; never throws
    dataset_writer(const dataset_writer&) = delete;
    dataset_writer& operator=(const dataset_writer&) = delete;

    //! Appends all frames of the block; validates labels, shapes and finiteness.
    void append(const frame_block& block);
    void flush();
    void close();
    size_t size() const;
    const std::string& path() const;

private:
    struct impl;
    std::unique_ptr<impl> d;
};

} // namespace amrcompress
} // namespace gr

#endif
