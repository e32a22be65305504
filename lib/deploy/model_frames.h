/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Dataset frames in the models' input layout, without torch. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_MODEL_FRAMES_H
#define INCLUDED_AMRCOMPRESS_MODEL_FRAMES_H

#include <gnuradio/amrcompress/dataset.h>
#include <random>
#include <vector>

namespace gr {
namespace amrcompress {
namespace deploy {

//! Frames as stored ([L, 2]: I, Q interleaved) -> the model layout [2, L]
//! (row 0 = I, row 1 = Q), b.size() frames written from `out` on.
inline void to_model_layout(const frame_block& b, float* out)
{
    const size_t L = b.frame_length;
    for (size_t f = 0; f < b.size(); f++) {
        const float* src = b.frame(f);
        float* dst = out + f * 2 * L;
        for (size_t s = 0; s < L; s++) {
            dst[s] = src[2 * s];
            dst[L + s] = src[2 * s + 1];
        }
    }
}

//! n frames [n, 2, L] of seeded Gaussian noise at the scale of L1-normalised
//! frames (|x| about 1/L): what the speed benchmarks run the models on.
inline std::vector<float> noise_frames(size_t n, size_t L)
{
    std::mt19937 rng(0);
    std::normal_distribution<float> g(0.f, float(1.0 / (1.25 * L)));
    std::vector<float> x(n * 2 * L);
    for (auto& v : x)
        v = g(rng);
    return x;
}

} // namespace deploy
} // namespace amrcompress
} // namespace gr

#endif
