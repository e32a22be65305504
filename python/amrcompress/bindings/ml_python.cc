/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The blocks that need LibTorch (the coreset keeper trains a model), in a
 * module of their own linked with gnuradio-amrcompress-ml: the package
 * imports it only when one of its names is used (python/amrcompress/
 * __init__.py), so that `from gnuradio import amrcompress` does not load
 * LibTorch.
 */
#include <gnuradio/amrcompress/coreset_keeper.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <cmath>
#include <limits>

namespace py = pybind11;

PYBIND11_MODULE(amrcompress_ml_python, m)
{
    py::module::import("gnuradio.gr");
    // The base module registers InputError (and the shared types) first.
    py::module::import("gnuradio.amrcompress.amrcompress_python");

    using gr::amrcompress::coreset_keeper;
    py::class_<coreset_keeper,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<coreset_keeper>>(
        m,
        "coreset_keeper",
        "Keeps a FoQuS coreset of at most `budget` labelled frames of the stream: "
        "scoring "
        "epochs of a small model on its own thread every refresh_frames frames, tiered "
        "FoQuS "
        "selection balanced per class (and SNR bin), atomic saves to state_path and "
        "resume. "
        "Message ports: in 'label'; out 'stats' (dict), 'model' (path of a fine-tuned "
        "model).")
        .def(py::init(&coreset_keeper::make),
             py::arg("model"),
             py::arg("classes") = std::vector<std::string>(),
             py::arg("budget") = 1000,
             py::arg("state_path") = "",
             py::arg("frame_length") = 0,
             py::arg("hop") = 0,
             py::arg("label") = "",
             py::arg("snr_db") = std::numeric_limits<double>::quiet_NaN(),
             py::arg("refresh_frames") = 500,
             py::arg("refresh_seconds") = 0.0,
             py::arg("epochs_per_refresh") = 2,
             py::arg("stratify_snr") = false,
             py::arg("snr_bin_db") = 2.0,
             py::arg("save_every") = 1,
             py::arg("finetune_epochs") = 0,
             py::arg("export_path") = "",
             py::arg("buffer_frames") = 0,
             py::arg("holdout_frames") = 256,
             py::arg("threads") = 1,
             py::arg("seed") = 1,
             py::arg("backpressure") = false,
             py::arg("process_tuning") = false)
        .def("size", &coreset_keeper::size)
        .def("refreshes", &coreset_keeper::refreshes)
        .def("frame_length", &coreset_keeper::frame_length)
        .def("classes", &coreset_keeper::classes)
        .def("stats", &coreset_keeper::stats, "counters as a JSON string")
        .def("set_label", &coreset_keeper::set_label, py::arg("label"))
        .def("label", &coreset_keeper::label)
        .def("save", &coreset_keeper::save);
}
