/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../model/torch_model.h"
#include "frame_tensors.h"
#include "torch_runtime.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/model_outputs.h>
#include <torch/torch.h>

namespace gr {
namespace amrcompress {

model_outputs compute_model_outputs(const std::string& model_path,
                                    const std::string& dataset_path,
                                    const std::vector<size_t>& indices,
                                    int threads,
                                    size_t batch_size)
{
    configure_torch_runtime(threads);
    dataset_reader ds(dataset_path);
    auto bm = model::load_fitting(model_path, ds.info());
    const bool has_features = bm.module.find_method("features").has_value();
    model_outputs out;
    out.classes = ds.info().classes.size();
    torch::NoGradGuard ng;
    bm.module.eval();
    batch_size = std::max<size_t>(batch_size, 1);
    for_each_tensor_block(ds, indices, batch_size * 8, [&](const frame_tensors& t, size_t) {
        for (int64_t s = 0; s < t.x.size(0); s += batch_size) {
            auto x = t.x.slice(0, s, s + batch_size);
            auto logits = bm.module.forward({ x }).toTensor();
            if (logits.dim() != 2 || size_t(logits.size(1)) != out.classes)
                throw input_error(model_path,
                                  "the model's output is not [B, " +
                                      std::to_string(out.classes) + "] logits");
            auto p = torch::softmax(logits, 1).contiguous();
            out.probs.insert(
                out.probs.end(), p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
            if (!has_features)
                continue;
            auto h = bm.module.run_method("features", x).toTensor().flatten(1).contiguous();
            if (out.dim == 0)
                out.dim = h.size(1);
            else if (size_t(h.size(1)) != out.dim)
                throw input_error(model_path, "features() changes size between batches");
            out.embeddings.insert(
                out.embeddings.end(), h.data_ptr<float>(), h.data_ptr<float>() + h.numel());
        }
    });
    for (float v : out.probs)
        if (!std::isfinite(v))
            throw input_error(model_path, "the model produced non-finite outputs");
    return out;
}

} // namespace amrcompress
} // namespace gr
