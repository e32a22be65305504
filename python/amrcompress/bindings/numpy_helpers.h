/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_NUMPY_HELPERS_H
#define INCLUDED_AMRCOMPRESS_NUMPY_HELPERS_H

#include <gnuradio/amrcompress/dataset.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <vector>

namespace amrcompress_py {

namespace py = pybind11;

//! Copies a vector into a new numpy array of the given shape.
template <typename T>
py::array_t<T> to_numpy(const std::vector<T>& v, std::vector<py::ssize_t> shape)
{
    py::array_t<T> a(shape);
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
}

//! A frame_block as a dict of numpy arrays: X [n, L, 2] float32, labels, snr_db, ...
inline py::dict to_dict(const gr::amrcompress::frame_block& b)
{
    py::dict d;
    const py::ssize_t n = b.size(), L = b.frame_length;
    d["X"] = to_numpy(b.iq, { n, L, 2 });
    d["labels"] = to_numpy(b.labels, { n });
    d["snr_db"] = to_numpy(b.snr_db, { n });
    if (!b.capture_id.empty()) {
        d["capture_time"] = to_numpy(b.capture_time, { n });
        d["capture_id"] = to_numpy(b.capture_id, { n });
    }
    if (!b.center_freq.empty()) {
        d["center_freq"] = to_numpy(b.center_freq, { n });
        d["snr_estimated"] = to_numpy(b.snr_estimated, { n });
    }
    return d;
}

} // namespace amrcompress_py

#endif
