/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../util/read_ahead.h"
#include "frame_tensors.h"
#include <sys/mman.h>
#include <torch/torch.h>
#include <algorithm>
#include <new>
#include <numeric>

namespace gr {
namespace amrcompress {

torch::Tensor
predict_logits(torch::jit::Module& m, const torch::Tensor& x, size_t batch_size)
{
    torch::NoGradGuard ng;
    m.eval();
    // At most 128 Ki samples a pass: 1,024 frames of 128 samples, 128 of
    // 1,024. A pass's activations grow with the samples, and 1,024 frames of
    // 1,024 samples took CNN1D's evaluation past a 1.5 GiB memory limit.
    const int64_t per_frame = x.dim() > 1 ? std::max<int64_t>(1, x[0].numel() / 2) : 1;
    const int64_t B =
        std::max<int64_t>(1,
                          std::min<int64_t>(int64_t(std::max<size_t>(batch_size, 1)),
                                            (1 << 17) / per_frame));
    std::vector<torch::Tensor> parts;
    for (int64_t s = 0; s < x.size(0); s += B)
        parts.push_back(m.forward({ x.slice(0, s, s + B) }).toTensor());
    return parts.empty() ? torch::empty({ 0 }) : torch::cat(parts).contiguous();
}

namespace {

// One frame ([L, 2] interleaved, as stored) into model layout [2, L].
void copy_frame(const float* src, float* out, int64_t L)
{
    for (int64_t s = 0; s < L; s++) {
        out[s] = src[2 * s];
        out[L + s] = src[2 * s + 1];
    }
}

// A window's frames are the largest buffers a run allocates, one or two
// alive at a time. They are mapped directly so that freeing one returns it
// to the system: malloc's thresholds, raised for LibTorch's activations
// (torch_runtime.cc), would keep up to 512 MiB of freed windows resident.
torch::Tensor frame_storage(int64_t n, int64_t L)
{
    const size_t bytes = size_t(n) * 2 * size_t(L) * sizeof(float);
    if (bytes < (size_t(16) << 20))
        return torch::empty({ n, 2, L });
    void* p = ::mmap(
        nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        throw std::bad_alloc();
    return torch::from_blob(
        p, { n, 2, L }, [bytes](void* q) { ::munmap(q, bytes); }, torch::kFloat32);
}

frame_tensors empty_tensors(int64_t n, int64_t L)
{
    frame_tensors t;
    t.x = frame_storage(n, L);
    t.labels = torch::empty({ n }, torch::kInt64);
    t.snr_db.resize(size_t(n));
    return t;
}

// Frame f of b into row `row` of t.
void put_frame(const frame_block& b, size_t f, frame_tensors& t, size_t row)
{
    const int64_t L = int64_t(b.frame_length);
    copy_frame(b.frame(f), t.x.data_ptr<float>() + int64_t(row) * 2 * L, L);
    t.labels.data_ptr<int64_t>()[row] = b.labels[f];
    t.snr_db[row] = b.snr_db[f];
}

} // namespace

frame_tensors load_frames(const dataset_reader& ds, const std::vector<size_t>& indices)
{
    const size_t n = indices.size();
    frame_tensors t = empty_tensors(int64_t(n), int64_t(ds.info().frame_length));
    // Read in file order, a group at a time (whole chunks, few hyperslabs,
    // a bounded staging block), and put every frame at its place.
    std::vector<size_t> by_file(n);
    std::iota(by_file.begin(), by_file.end(), 0);
    if (!std::is_sorted(indices.begin(), indices.end()))
        std::stable_sort(by_file.begin(), by_file.end(), [&](size_t a, size_t b) {
            return indices[a] < indices[b];
        });
    // 4 MiB of frames per group: 4096 frames of 128 samples, 512 of 1024.
    const size_t group =
        std::max<size_t>(64, (size_t(4) << 20) / (ds.info().frame_length * 8));
    std::vector<size_t> part;
    for (size_t g = 0; g < n; g += group) {
        const size_t e = std::min(n, g + group);
        part.resize(e - g);
        for (size_t k = g; k < e; k++)
            part[k - g] = indices[by_file[k]];
        const frame_block b = ds.read_indices(part);
        for (size_t k = g; k < e; k++)
            put_frame(b, k - g, t, by_file[k]);
    }
    return t;
}

frame_tensors to_tensors(const frame_block& b)
{
    frame_tensors t = empty_tensors(int64_t(b.size()), int64_t(b.frame_length));
    for (size_t f = 0; f < b.size(); f++)
        put_frame(b, f, t, f);
    return t;
}

void for_each_tensor_block(const dataset_reader& ds,
                           const std::vector<size_t>& indices,
                           size_t block,
                           const std::function<void(const frame_tensors&, size_t)>& fn)
{
    block = std::max<size_t>(block, 1);
    const size_t n = indices.size(), blocks = (n + block - 1) / block;
    // Block k + 1 is read while fn works on block k.
    read_ahead<frame_tensors> ahead(blocks, [&](size_t k) {
        const size_t pos = k * block;
        return load_frames(
            ds,
            std::vector<size_t>(indices.begin() + pos,
                                indices.begin() + std::min(n, pos + block)));
    });
    frame_tensors t;
    for (size_t k = 0; ahead.next(t); k++)
        fn(t, k * block);
}

} // namespace amrcompress
} // namespace gr
