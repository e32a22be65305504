/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_DATASET_H
#define INCLUDED_AMRCOMPRESS_DATASET_H

#include <gnuradio/amrcompress/api.h>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {

/*!
 * \brief Dataset-wide metadata: what the frames are and where they came from.
 *
 * Stored as HDF5 attributes on the root group beside the RML2018.01a-style
 * datasets X, Y, Z (see docs/dataset-format.md).
 */
struct AMRCOMPRESS_API dataset_info {
    std::vector<std::string> classes; //!< class names, index = label
    size_t frame_length = 0;          //!< L, complex samples per frame
    double sample_rate = 0.0;         //!< Hz, 0 if unknown
    double center_freq = 0.0;         //!< Hz, 0 if unknown
    std::string source;               //!< e.g. "amr gen", "RML2016.10a pickle"
    std::string normalisation;        //!< "l1", "power", "none" or "unknown"
    std::string generator;            //!< JSON of generator parameters, or empty
    std::string description;          //!< free text
    std::string capture;              //!< JSON of live-capture settings, or empty

    //! Index of a class name; throws input_error naming the known classes.
    int class_index(const std::string& name) const;
};

/*!
 * \brief A contiguous run of frames in memory.
 *
 * iq holds count * frame_length * 2 floats laid out [frame][sample][I,Q],
 * which is the RML2018.01a X layout and std::complex<float> compatible.
 */
struct AMRCOMPRESS_API frame_block {
    size_t frame_length = 0;
    std::vector<float> iq;
    std::vector<int32_t> labels;
    std::vector<float> snr_db;
    //! Optional per-frame metadata; empty when the dataset has none.
    std::vector<double> capture_time;
    std::vector<int64_t> capture_id;
    //! Optional radio metadata (live captures): the receiver's centre frequency
    //! (Hz) for the frame and whether its SNR is an estimate (1) or was given (0).
    std::vector<double> center_freq;
    std::vector<uint8_t> snr_estimated;

    size_t size() const { return labels.size(); }
    const float* frame(size_t i) const { return iq.data() + i * frame_length * 2; }
    float* frame(size_t i) { return iq.data() + i * frame_length * 2; }
    void reserve(size_t frames);
    //! Appends frame i of other (including its per-frame metadata).
    void append_from(const frame_block& other, size_t i);
};

//! Class lists of the public datasets, in the order their labels use.
AMRCOMPRESS_API const std::vector<std::string>& rml2016_classes();
AMRCOMPRESS_API const std::vector<std::string>& rml2018_classes();

} // namespace amrcompress
} // namespace gr

#endif
