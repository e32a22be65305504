/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The GNU Radio blocks. Their C++ docs (include/gnuradio/amrcompress/*.h)
 * are the reference; the docstrings here are short.
 */
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <gnuradio/amrcompress/classifier.h>
#include <gnuradio/amrcompress/dataset_source.h>

namespace py = pybind11;

void bind_blocks(py::module& m)
{
    using gr::amrcompress::classifier;
    using gr::amrcompress::dataset_source;

    py::class_<classifier, gr::block, gr::basic_block, std::shared_ptr<classifier>>(
        m, "classifier",
        "Classifies the modulation of a complex stream with a TorchScript model (batched, on "
        "its own inference thread). Message ports: out 'classification' (dict per frame), in "
        "'model' (path of a model to swap in).")
        .def(py::init(&classifier::make),
             py::arg("model_path"),
             py::arg("hop") = 0,
             py::arg("batch_size") = 32,
             py::arg("threads") = 1,
             py::arg("queue_frames") = 512,
             py::arg("backpressure") = false,
             py::arg("passthrough") = false,
             py::arg("probabilities") = false,
             py::arg("sample_rate") = 0.0,
             py::arg("frame_length") = 0,
             py::arg("optimize") = false)
        .def("frame_length", &classifier::frame_length)
        .def("classes", &classifier::classes)
        .def("frames_classified", &classifier::frames_classified)
        .def("frames_dropped", &classifier::frames_dropped)
        .def("stats", &classifier::stats, "counters as a JSON string")
        .def("set_model", &classifier::set_model, py::arg("model_path"));

    py::class_<dataset_source, gr::sync_block, gr::block, gr::basic_block,
               std::shared_ptr<dataset_source>>(
        m, "dataset_source",
        "Replays a dataset as a complex stream with amr_frame/amr_label/amr_snr tags per frame "
        "and amr_eos on the last sample (unless repeat).")
        .def(py::init(&dataset_source::make),
             py::arg("path"),
             py::arg("index_file") = "",
             py::arg("repeat") = false,
             py::arg("sample_rate") = 0.0)
        .def("frames", &dataset_source::frames)
        .def("frame_length", &dataset_source::frame_length)
        .def("frames_sent", &dataset_source::frames_sent);
}
