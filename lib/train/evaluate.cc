/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../model/torch_model.h"
#include "frame_tensors.h"
#include "torch_runtime.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/train.h>
#include <torch/torch.h>
#include <numeric>

namespace gr {
namespace amrcompress {

eval_result evaluate_model(const std::string& model_path,
                           const std::string& dataset_path,
                           const std::vector<size_t>& indices,
                           int threads,
                           size_t batch_size,
                           bool keep_logits)
{
    configure_torch_runtime(threads);
    auto bm = model::load(model_path);
    dataset_reader ds(dataset_path);
    model::check_fits(bm.info, ds.info().classes, ds.info().frame_length, model_path);
    eval_result r;
    r.classes = ds.info().classes;
    r.indices = indices;
    if (r.indices.empty()) {
        r.indices.resize(ds.size());
        std::iota(r.indices.begin(), r.indices.end(), 0);
    }
    const size_t C = r.classes.size();
    // Streamed in blocks: the dataset is never loaded whole.
    const size_t block = std::max<size_t>(batch_size, 1) * 8;
    for (size_t pos = 0; pos < r.indices.size(); pos += block) {
        std::vector<size_t> part(r.indices.begin() + pos,
                                 r.indices.begin() +
                                     std::min(r.indices.size(), pos + block));
        auto t = load_frames(ds, part);
        auto logits = predict_logits(bm.module, t.x, batch_size);
        if (logits.dim() != 2 || size_t(logits.size(1)) != C)
            throw input_error(model_path,
                              "the model's output is not [B, " + std::to_string(C) +
                                  "] logits");
        auto p = logits.argmax(1);
        const int64_t* pp = p.data_ptr<int64_t>();
        const int64_t* lp = t.labels.data_ptr<int64_t>();
        for (size_t k = 0; k < part.size(); k++) {
            r.predictions.push_back(static_cast<int32_t>(pp[k]));
            r.labels.push_back(static_cast<int32_t>(lp[k]));
            r.snr_db.push_back(t.snr_db[k]);
            r.correct += pp[k] == lp[k];
        }
        if (keep_logits)
            r.logits.insert(r.logits.end(),
                            logits.data_ptr<float>(),
                            logits.data_ptr<float>() + logits.numel());
    }
    return r;
}

} // namespace amrcompress
} // namespace gr
