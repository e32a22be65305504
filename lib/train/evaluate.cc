/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Evaluation runs on the inference backends the classifier uses (the native
 * engine for a zoo model, LibTorch otherwise), so amr eval measures what a
 * flowgraph would classify, at each precision.
 */
#include "../deploy/inference_backend.h"
#include "../deploy/model_frames.h"
#include "../model/torch_model.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/train.h>
#include <algorithm>
#include <cmath>
#include <iostream>
#include <numeric>

namespace gr {
namespace amrcompress {

eval_result evaluate_model(const std::string& model_path,
                           const std::string& dataset_path,
                           const std::vector<size_t>& indices,
                           int threads,
                           size_t batch_size,
                           bool keep_logits,
                           const std::string& engine,
                           const std::string& precision)
{
    dataset_reader ds(dataset_path);
    model::check_fits(read_model_info(model_path),
                      ds.info().classes,
                      ds.info().frame_length,
                      model_path + " does not fit " + dataset_path);
    const auto opt = deploy::tool_options(batch_size, threads, engine, precision);
    auto backend = deploy::open_backend(
        model_path, opt, [](const std::string& line) { std::cerr << line << "\n"; });
    eval_result r;
    r.backend = backend->description();
    r.classes = ds.info().classes;
    r.indices = indices;
    if (r.indices.empty()) {
        r.indices.resize(ds.size());
        std::iota(r.indices.begin(), r.indices.end(), 0);
    }
    if (r.indices.empty())
        throw input_error(dataset_path, "no frames to evaluate (the dataset holds none)");
    const size_t C = r.classes.size(), F = 2 * ds.info().frame_length, B = opt.batch_size;
    std::vector<float> x, logits;
    ds.for_each_block(
        r.indices, std::max<size_t>(B * 8, 4096), [&](const frame_block& b, size_t) {
            x.resize(b.size() * F);
            logits.resize(b.size() * C);
            deploy::to_model_layout(b, x.data());
            for (size_t i = 0; i < b.size(); i += B)
                backend->forward(
                    x.data() + i * F, std::min(B, b.size() - i), logits.data() + i * C);
            for (size_t k = 0; k < b.size(); k++) {
                const float* l = logits.data() + k * C;
                if (!std::all_of(l, l + C, [](float v) { return std::isfinite(v); }))
                    throw input_error(model_path,
                                      "the model's logits are not finite (NaN or "
                                      "infinite) for frame " +
                                          std::to_string(r.indices[r.labels.size()]) +
                                          " of " + dataset_path);
                const int32_t p = int32_t(std::max_element(l, l + C) - l);
                r.predictions.push_back(p);
                r.labels.push_back(b.labels[k]);
                r.snr_db.push_back(b.snr_db[k]);
                r.correct += p == b.labels[k];
            }
            if (keep_logits)
                r.logits.insert(r.logits.end(), logits.begin(), logits.end());
        });
    return r;
}

} // namespace amrcompress
} // namespace gr
