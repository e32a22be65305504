/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "frame_tensors.h"
#include <torch/torch.h>

namespace gr {
namespace amrcompress {

torch::Tensor
predict_logits(torch::jit::Module& m, const torch::Tensor& x, size_t batch_size)
{
    torch::NoGradGuard ng;
    m.eval();
    std::vector<torch::Tensor> parts;
    for (int64_t s = 0; s < x.size(0); s += std::max<size_t>(batch_size, 1))
        parts.push_back(m.forward({ x.slice(0, s, s + batch_size) }).toTensor());
    return parts.empty() ? torch::empty({ 0 }) : torch::cat(parts).contiguous();
}

namespace {

// Frames of b ([L, 2] interleaved, as stored) into rows [first, first + n)
// of t (model layout [2, L]).
void copy_block(const frame_block& b, frame_tensors& t, size_t first)
{
    const int64_t L = int64_t(b.frame_length);
    float* dst = t.x.data_ptr<float>();
    int64_t* lab = t.labels.data_ptr<int64_t>();
    for (size_t f = 0; f < b.size(); f++) {
        const float* src = b.frame(f);
        float* out = dst + (first + f) * 2 * L;
        for (int64_t s = 0; s < L; s++) {
            out[s] = src[2 * s];
            out[L + s] = src[2 * s + 1];
        }
        lab[first + f] = b.labels[f];
        t.snr_db.push_back(b.snr_db[f]);
    }
}

frame_tensors empty_tensors(int64_t n, int64_t L)
{
    frame_tensors t;
    t.x = torch::empty({ n, 2, L });
    t.labels = torch::empty({ n }, torch::kInt64);
    t.snr_db.reserve(n);
    return t;
}

} // namespace

frame_tensors load_frames(const dataset_reader& ds, const std::vector<size_t>& indices)
{
    frame_tensors t =
        empty_tensors(int64_t(indices.size()), int64_t(ds.info().frame_length));
    ds.for_each_block(indices, 4096, [&](const frame_block& b, size_t first) {
        copy_block(b, t, first);
    });
    return t;
}

frame_tensors to_tensors(const frame_block& b)
{
    frame_tensors t = empty_tensors(int64_t(b.size()), int64_t(b.frame_length));
    copy_block(b, t, 0);
    return t;
}

void for_each_tensor_block(const dataset_reader& ds,
                           const std::vector<size_t>& indices,
                           size_t block,
                           const std::function<void(const frame_tensors&, size_t)>& fn)
{
    block = std::max<size_t>(block, 1);
    for (size_t pos = 0; pos < indices.size(); pos += block) {
        std::vector<size_t> part(indices.begin() + pos,
                                 indices.begin() + std::min(indices.size(), pos + block));
        fn(load_frames(ds, part), pos);
    }
}

} // namespace amrcompress
} // namespace gr
