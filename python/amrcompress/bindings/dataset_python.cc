/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Python access to the dataset store (reading, selection, splitting).
 */
#include "numpy_helpers.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/selection.h>
#include <pybind11/stl.h>

namespace py = pybind11;
using namespace gr::amrcompress;
using amrcompress_py::to_dict;
using amrcompress_py::to_numpy;

void bind_dataset(py::module& m)
{
    // Bad input surfaces in Python as ValueError with the same message.
    py::register_exception<input_error>(m, "InputError", PyExc_ValueError);

    py::class_<dataset_info>(m, "dataset_info")
        .def_readonly("classes", &dataset_info::classes)
        .def_readonly("frame_length", &dataset_info::frame_length)
        .def_readonly("sample_rate", &dataset_info::sample_rate)
        .def_readonly("center_freq", &dataset_info::center_freq)
        .def_readonly("source", &dataset_info::source)
        .def_readonly("normalisation", &dataset_info::normalisation)
        .def_readonly("generator", &dataset_info::generator)
        .def_readonly("description", &dataset_info::description)
        .def_readonly("capture", &dataset_info::capture)
        .def("class_index", &dataset_info::class_index);

    py::class_<dataset_reader>(
        m, "dataset_reader", "Reads a dataset file (HDF5, RML2018.01a layout) in chunks.")
        .def(py::init<const std::string&>(), py::arg("path"))
        .def_property_readonly("path", &dataset_reader::path)
        .def_property_readonly("info", &dataset_reader::info)
        .def("__len__", &dataset_reader::size)
        .def_property_readonly("labels",
                               [](const dataset_reader& r) {
                                   return to_numpy(r.labels(), { py::ssize_t(r.size()) });
                               })
        .def_property_readonly("snr_db",
                               [](const dataset_reader& r) {
                                   return to_numpy(r.snr_db(), { py::ssize_t(r.size()) });
                               })
        .def_property_readonly("has_frame_metadata", &dataset_reader::has_frame_metadata)
        .def(
            "read",
            [](const dataset_reader& r, size_t first, size_t count) {
                frame_block b;
                {
                    py::gil_scoped_release nogil;
                    b = r.read(first, count);
                }
                return to_dict(b);
            },
            py::arg("first"),
            py::arg("count"),
            "Frames [first, first+count) as a dict: X [n, L, 2], labels, snr_db.")
        .def(
            "read_indices",
            [](const dataset_reader& r, const std::vector<size_t>& idx) {
                frame_block b;
                {
                    py::gil_scoped_release nogil;
                    b = r.read_indices(idx);
                }
                return to_dict(b);
            },
            py::arg("indices"));

    py::class_<split_indices>(m, "split_indices")
        .def_readonly("train", &split_indices::train)
        .def_readonly("test", &split_indices::test);
    m.def(
        "stratified_split",
        [](const dataset_reader& r, double fraction) {
            return stratified_split(r.labels(), r.snr_db(), fraction);
        },
        py::arg("dataset"),
        py::arg("train_fraction") = 0.8,
        "Deterministic split per (class, SNR): the first round(f*n) of each group "
        "train.");
    m.def(
        "select_frames",
        [](const dataset_reader& r,
           const std::vector<std::string>& classes,
           float snr_min,
           float snr_max) {
            frame_filter f;
            f.classes = classes;
            f.snr_min = snr_min;
            f.snr_max = snr_max;
            return select_frames(r, f);
        },
        py::arg("dataset"),
        py::arg("classes") = std::vector<std::string>(),
        py::arg("snr_min") = -1e30f,
        py::arg("snr_max") = 1e30f);
    m.def("read_index_file", &read_index_file, py::arg("path"), py::arg("n_frames"));
    m.def("write_index_file",
          &write_index_file,
          py::arg("path"),
          py::arg("indices"),
          py::arg("comment") = "");
    m.def("rml2016_classes", &rml2016_classes);
    m.def("rml2018_classes", &rml2018_classes);
}
