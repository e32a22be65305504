/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The GNU Radio blocks. Their C++ docs (the headers in include/gnuradio/amrcompress/)
 * are the reference; the docstrings here are short.
 */
#include "../../../lib/capture/snr_estimator.h"
#include <gnuradio/amrcompress/classifier.h>
#include <gnuradio/amrcompress/dataset_sink.h>
#include <gnuradio/amrcompress/dataset_source.h>
#include <gnuradio/amrcompress/error.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <cmath>
#include <limits>

namespace py = pybind11;

void bind_blocks(py::module& m)
{
    using gr::amrcompress::classifier;
    using gr::amrcompress::dataset_source;

    py::class_<classifier, gr::block, gr::basic_block, std::shared_ptr<classifier>>(
        m,
        "classifier",
        "Classifies the modulation of a complex stream with a model file (batched, on "
        "its own "
        "inference thread; zoo models on the native engine, other TorchScript models on "
        "LibTorch, loaded on demand). Message ports: out 'classification' (dict per "
        "frame), "
        "out 'classifications' (dict of vectors per batch), in 'model' (path of a model "
        "to "
        "swap in).")
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
             py::arg("optimize") = false,
             py::arg("precision") = "fp32",
             py::arg("engine") = "auto",
             py::arg("batch_messages") = false,
             py::arg("class_output") = false,
             py::arg("frame_messages") = true,
             py::arg("process_tuning") = false)
        .def("frame_length", &classifier::frame_length)
        .def("classes", &classifier::classes)
        .def("frames_classified", &classifier::frames_classified)
        .def("frames_dropped", &classifier::frames_dropped)
        .def("stats", &classifier::stats, "counters as a JSON string")
        .def("backend",
             &classifier::backend,
             "what runs the model, e.g. 'native oneDNN int8' or 'LibTorch fp32'")
        .def("set_model", &classifier::set_model, py::arg("model_path"));

    py::class_<dataset_source,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<dataset_source>>(
        m,
        "dataset_source",
        "Replays a dataset as a complex stream with amr_frame/amr_label/amr_snr tags per "
        "frame "
        "and amr_eos on the last sample (unless repeat).")
        .def(py::init(&dataset_source::make),
             py::arg("path"),
             py::arg("index_file") = "",
             py::arg("repeat") = false,
             py::arg("sample_rate") = 0.0)
        .def("frames", &dataset_source::frames)
        .def("frame_length", &dataset_source::frame_length)
        .def("frames_sent", &dataset_source::frames_sent);

    using gr::amrcompress::dataset_sink;
    py::class_<dataset_sink,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<dataset_sink>>(
        m,
        "dataset_sink",
        "Captures a complex stream into a labelled dataset file: frames, class labels "
        "(tag > "
        "'label' message > parameter), SNR (given or estimated), radio metadata; energy "
        "gate, "
        "thinning, quotas, rotation; flushed every flush_frames / flush_seconds.")
        .def(py::init(&dataset_sink::make),
             py::arg("path"),
             py::arg("classes"),
             py::arg("frame_length") = 128,
             py::arg("hop") = 0,
             py::arg("label") = "",
             py::arg("snr_db") = std::numeric_limits<double>::quiet_NaN(),
             py::arg("extend_classes") = false,
             py::arg("gate_db") = 0.0,
             py::arg("floor_frames") = 1000,
             py::arg("keep_one_in") = 1,
             py::arg("max_frames") = 0,
             py::arg("max_megabytes") = 0.0,
             py::arg("rotate") = false,
             py::arg("max_files") = 0,
             py::arg("class_quota") = 0,
             py::arg("flush_frames") = 256,
             py::arg("flush_seconds") = 1.0,
             py::arg("if_exists") = "append",
             py::arg("sample_rate") = 0.0,
             py::arg("center_freq") = 0.0,
             py::arg("normalisation") = "none",
             py::arg("queue_frames") = 4096,
             py::arg("backpressure") = false,
             py::arg("description") = "")
        .def("set_label", &dataset_sink::set_label, py::arg("label"))
        .def("label", &dataset_sink::label)
        .def("set_snr", &dataset_sink::set_snr, py::arg("snr_db"))
        .def("frames_written", &dataset_sink::frames_written)
        .def("frames_flushed", &dataset_sink::frames_flushed)
        .def("frames_dropped", &dataset_sink::frames_dropped)
        .def("files", &dataset_sink::files)
        .def("classes", &dataset_sink::classes)
        .def("error", &dataset_sink::error)
        .def("stats", &dataset_sink::stats, "counters as a JSON string");

    m.def(
        "estimate_snr",
        [](py::array_t<std::complex<float>, py::array::c_style | py::array::forcecast>
               frames) {
            if (frames.ndim() != 2 || frames.shape(1) < 16)
                throw gr::amrcompress::input_error(
                    "estimate_snr: expected complex frames [n, L] with L >= 16");
            const size_t n = frames.shape(0), L = frames.shape(1);
            gr::amrcompress::capture::snr_estimator est(L);
            py::array_t<double> out(n);
            auto r = frames.unchecked<2>();
            for (size_t i = 0; i < n; i++)
                out.mutable_at(i) = est.estimate_db(&r(i, 0));
            return out;
        },
        py::arg("frames"),
        "Per-frame SNR estimate (dB) of complex frames [n, L], as dataset_sink computes "
        "it "
        "when no SNR is given (Welch spectrum, noise from the quietest quarter of the "
        "bins).");
}
