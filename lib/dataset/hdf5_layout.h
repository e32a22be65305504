/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Names and small helpers shared by the HDF5 readers and writers of both
 * libraries (exported for gnuradio-amrcompress-ml, not installed). Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_HDF5_LAYOUT_H
#define INCLUDED_AMRCOMPRESS_HDF5_LAYOUT_H

#include <gnuradio/amrcompress/api.h>
#include <H5Cpp.h>
#include <mutex>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {
namespace h5 {

// RML2018.01a dataset names.
constexpr const char* X = "X";
constexpr const char* Y = "Y";
constexpr const char* Z = "Z";
// Ours, optional.
constexpr const char* SNR_DB = "snr_db";
constexpr const char* CAPTURE_TIME = "capture_time";
constexpr const char* CAPTURE_ID = "capture_id";
constexpr const char* CENTER_FREQ = "center_freq";
constexpr const char* SNR_ESTIMATED = "snr_estimated";

// Root attributes.
constexpr const char* A_FORMAT = "amr_format";
constexpr const char* A_CLASSES = "classes";
constexpr const char* A_SAMPLE_RATE = "sample_rate";
constexpr const char* A_CENTER_FREQ = "center_freq";
constexpr const char* A_SOURCE = "source";
constexpr const char* A_NORMALISATION = "normalisation";
constexpr const char* A_GENERATOR = "generator";
constexpr const char* A_DESCRIPTION = "description";
constexpr const char* A_CAPTURE = "capture";
constexpr const char* FORMAT_VERSION = "gr-amrcompress dataset 1";

AMRCOMPRESS_API void
write_string_attr(H5::H5Object& obj, const char* name, const std::string& value);
AMRCOMPRESS_API void write_string_list_attr(H5::H5Object& obj,
                                            const char* name,
                                            const std::vector<std::string>& values);
AMRCOMPRESS_API void write_double_attr(H5::H5Object& obj, const char* name, double value);

AMRCOMPRESS_API bool has_attr(const H5::H5Object& obj, const char* name);
AMRCOMPRESS_API std::string read_string_attr(const H5::H5Object& obj, const char* name);
AMRCOMPRESS_API std::vector<std::string> read_string_list_attr(const H5::H5Object& obj,
                                                               const char* name);
AMRCOMPRESS_API double read_double_attr(const H5::H5Object& obj, const char* name);

//! Turns off HDF5's own error printing; our exceptions carry the message.
AMRCOMPRESS_API void silence_library_errors();

//! Debian's serial HDF5 is not thread-safe: every call into it holds this lock.
AMRCOMPRESS_API std::recursive_mutex& library_mutex();

} // namespace h5
} // namespace amrcompress
} // namespace gr

#endif
