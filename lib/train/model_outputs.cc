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

namespace {
std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }
} // namespace

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
    for_each_tensor_block(
        ds, indices, batch_size * 8, [&](const frame_tensors& t, size_t) {
            for (int64_t s = 0; s < t.x.size(0); s += batch_size) {
                auto x = t.x.slice(0, s, s + batch_size);
                torch::Tensor logits, h;
                // TorchScript's own errors (JITException is no c10::Error) name
                // nothing: say which model failed on which frames.
                try {
                    auto r = bm.module.forward({ x });
                    if (r.isTensor())
                        logits = r.toTensor();
                    if (has_features)
                        h = bm.module.run_method("features", x).toTensor();
                } catch (const std::exception& e) {
                    throw input_error(model_path,
                                      std::string("the model fails on frames of ") +
                                          dataset_path + ": " + first_line(e.what()));
                }
                if (!logits.defined() || logits.dim() != 2 ||
                    logits.size(0) != x.size(0) || size_t(logits.size(1)) != out.classes)
                    throw input_error(
                        model_path,
                        "the model's output is not [B, " + std::to_string(out.classes) +
                            "] logits for B = " + std::to_string(x.size(0)) + " frames");
                auto p = torch::softmax(logits.to(torch::kFloat32), 1).contiguous();
                out.probs.insert(out.probs.end(),
                                 p.data_ptr<float>(),
                                 p.data_ptr<float>() + p.numel());
                if (!has_features)
                    continue;
                if (h.dim() < 1 || h.size(0) != x.size(0))
                    throw input_error(model_path,
                                      "features() does not return one row per frame");
                h = h.to(torch::kFloat32).flatten(1).contiguous();
                if (out.dim == 0)
                    out.dim = h.size(1);
                else if (size_t(h.size(1)) != out.dim)
                    throw input_error(model_path,
                                      "features() changes size between batches");
                out.embeddings.insert(out.embeddings.end(),
                                      h.data_ptr<float>(),
                                      h.data_ptr<float>() + h.numel());
            }
        });
    for (float v : out.probs)
        if (!std::isfinite(v))
            throw input_error(model_path, "the model produced non-finite outputs");
    return out;
}

} // namespace amrcompress
} // namespace gr
