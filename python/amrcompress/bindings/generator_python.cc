/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Python access to the RML2016.10a-style generator.
 */
#include "numpy_helpers.h"
#include <gnuradio/amrcompress/generator.h>
#include <pybind11/functional.h>
#include <pybind11/stl.h>

namespace py = pybind11;
using namespace gr::amrcompress;

void bind_generator(py::module& m)
{
    py::class_<generator_config>(m, "generator_config")
        .def(py::init<>())
        .def_readwrite("classes", &generator_config::classes)
        .def_readwrite("snrs_db", &generator_config::snrs_db)
        .def_readwrite("frames_per_cell", &generator_config::frames_per_cell)
        .def_readwrite("frame_length", &generator_config::frame_length)
        .def_readwrite("seed", &generator_config::seed)
        .def_readwrite("sample_rate", &generator_config::sample_rate)
        .def_readwrite("samples_per_symbol", &generator_config::samples_per_symbol)
        .def_readwrite("window_gap", &generator_config::window_gap)
        .def_readwrite("channel", &generator_config::channel)
        .def_readwrite("normalisation", &generator_config::normalisation)
        .def_readwrite("threads", &generator_config::threads)
        .def("validate", &generator_config::validate)
        .def("to_json", &generator_config::to_json)
        .def_static("from_json", &generator_config::from_json)
        .def_static("supported_classes", &generator_config::supported_classes);

    m.def(
        "generate_cell",
        [](const generator_config& cfg, size_t cls, size_t snr, bool components) {
            generated_cell g;
            {
                py::gil_scoped_release nogil;
                g = generate_cell(cfg, cls, snr, components);
            }
            py::dict d = amrcompress_py::to_dict(g.frames);
            if (components) {
                const py::ssize_t n = g.frames.size(), L = g.frames.frame_length;
                d["signal"] = amrcompress_py::to_numpy(g.signal, { n, L, 2 });
                d["noise"] = amrcompress_py::to_numpy(g.noise, { n, L, 2 });
            }
            return d;
        },
        py::arg("config"),
        py::arg("class_index"),
        py::arg("snr_index"),
        py::arg("keep_components") = false,
        "One (class, SNR) cell through the GNU Radio generator flowgraph.");
    m.def(
        "generate_dataset",
        [](const generator_config& cfg, const std::string& path, bool overwrite) {
            py::gil_scoped_release nogil;
            generate_dataset(cfg, path, overwrite);
        },
        py::arg("config"),
        py::arg("path"),
        py::arg("overwrite") = false);
}
