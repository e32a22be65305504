/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "synthetic_audio.h"
#include <algorithm>
#include <cmath>
#include <random>

namespace gr {
namespace amrcompress {
namespace gen {

namespace {
struct partial {
    double freq, freq_end, amp, phase;
};
} // namespace

std::vector<float> synthetic_audio(size_t n, double fs, double max_freq, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<float> out(n, 0.0f);
    const double two_pi = 2.0 * M_PI;
    size_t pos = 0;
    while (pos < n) {
        size_t len = static_cast<size_t>((0.04 + 0.21 * u(rng)) * fs);
        len = std::min(len, n - pos);
        double kind = u(rng), loud = 0.4 + 0.6 * u(rng);
        std::vector<partial> parts;
        if (kind < 0.7) { // voiced: harmonics of a gliding pitch, two formants
            double f0 = 90.0 + 170.0 * u(rng), glide = 0.85 + 0.3 * u(rng);
            double f1 = 300.0 + 600.0 * u(rng), f2 = 900.0 + 1600.0 * u(rng);
            for (int k = 1; k * f0 * std::max(1.0, glide) < max_freq && k <= 60; k++) {
                double f = k * f0;
                double a =
                    (1.0 / k) * (1.0 + 2.0 * std::exp(-std::pow((f - f1) / 200, 2)) +
                                 1.5 * std::exp(-std::pow((f - f2) / 300, 2)));
                parts.push_back({ f, f * glide, a, two_pi * u(rng) });
            }
        } else { // unvoiced or pause: a dense cluster of random high tones
            double gain = kind < 0.9 ? 0.3 : 0.02;
            double lo = std::min(1500.0, 0.4 * max_freq);
            for (int k = 0; k < 30; k++) {
                double f = lo + (max_freq - lo) * u(rng);
                parts.push_back({ f, f, gain, two_pi * u(rng) });
            }
        }
        const size_t ramp = std::max<size_t>(1, std::min(len / 2, size_t(0.01 * fs)));
        for (auto& p : parts) {
            double ph = p.phase;
            for (size_t i = 0; i < len; i++) {
                double f = p.freq + (p.freq_end - p.freq) * double(i) / len;
                ph += two_pi * f / fs;
                out[pos + i] += static_cast<float>(loud * p.amp * std::sin(ph));
            }
        }
        for (size_t i = 0; i < ramp && i < len; i++) { // raised-cosine edges
            float w = 0.5f - 0.5f * std::cos(float(M_PI) * i / ramp);
            out[pos + i] *= w;
            out[pos + len - 1 - i] *= w;
        }
        pos += len;
    }
    float peak = 0;
    for (float v : out)
        peak = std::max(peak, std::fabs(v));
    if (peak > 0)
        for (float& v : out)
            v /= peak;
    return out;
}

} // namespace gen
} // namespace amrcompress
} // namespace gr
