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
    dataset_reader ds(dataset_path);
    auto bm = model::load_fitting(model_path, ds.info());
    eval_result r;
    r.classes = ds.info().classes;
    r.indices = indices;
    if (r.indices.empty()) {
        r.indices.resize(ds.size());
        std::iota(r.indices.begin(), r.indices.end(), 0);
    }
    const size_t C = r.classes.size();
    for_each_tensor_block(ds, r.indices, std::max<size_t>(batch_size, 1) * 8,
                          [&](const frame_tensors& t, size_t) {
        auto logits = predict_logits(bm.module, t.x, batch_size);
        if (logits.dim() != 2 || size_t(logits.size(1)) != C)
            throw input_error(model_path,
                              "the model's output is not [B, " + std::to_string(C) +
                                  "] logits");
        auto p = logits.argmax(1);
        const int64_t* pp = p.data_ptr<int64_t>();
        const int64_t* lp = t.labels.data_ptr<int64_t>();
        for (size_t k = 0; k < t.snr_db.size(); k++) {
            r.predictions.push_back(static_cast<int32_t>(pp[k]));
            r.labels.push_back(static_cast<int32_t>(lp[k]));
            r.snr_db.push_back(t.snr_db[k]);
            r.correct += pp[k] == lp[k];
        }
        if (keep_logits)
            r.logits.insert(r.logits.end(),
                            logits.data_ptr<float>(),
                            logits.data_ptr<float>() + logits.numel());
    });
    return r;
}

} // namespace amrcompress
} // namespace gr
