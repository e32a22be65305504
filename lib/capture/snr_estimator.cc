/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "energy_gate.h"
#include "snr_estimator.h"
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/fft/fft.h>
#include <algorithm>
#include <cmath>
#include <random>

namespace gr {
namespace amrcompress {
namespace capture {

namespace {
constexpr double MIN_DB = -30.0, MAX_DB = 60.0;
constexpr int CALIBRATION_FRAMES = 400;
} // namespace

snr_estimator::snr_estimator(size_t frame_length) : d_L(frame_length)
{
    if (frame_length < 16)
        throw input_error("SNR estimator: frames need at least 16 samples");
    d_seg = std::clamp<size_t>(frame_length / 4, 16, 64);
    d_low = std::max<size_t>(1, d_seg / 4);
    d_window.resize(d_seg);
    double wsum = 0;
    for (size_t i = 0; i < d_seg; i++) {
        d_window[i] = float(0.5 - 0.5 * std::cos(2 * M_PI * (i + 0.5) / d_seg));
        wsum += double(d_window[i]) * d_window[i];
    }
    // Scale so that white noise of unit power has unit expected PSD in every bin.
    for (auto& w : d_window)
        w = float(w / std::sqrt(wsum));
    d_psd.resize(d_seg);
    d_fft = std::make_unique<gr::fft::fft_complex_fwd>(int(d_seg));

    // The mean of the lowest bins underestimates the noise level by a factor
    // that depends only on S, L and the overlap: measure it on white noise.
    std::mt19937 rng(12345);
    std::normal_distribution<float> g(0.0f, float(M_SQRT1_2));
    std::vector<gr_complex> noise(d_L);
    double sum = 0;
    for (int t = 0; t < CALIBRATION_FRAMES; t++) {
        for (auto& v : noise)
            v = gr_complex(g(rng), g(rng));
        sum += noise_level(noise.data()) / mean_power(noise.data(), d_L);
    }
    d_cal = CALIBRATION_FRAMES / sum;
}

snr_estimator::~snr_estimator() = default;

double snr_estimator::noise_level(const gr_complex* x)
{
    std::fill(d_psd.begin(), d_psd.end(), 0.0);
    const size_t hop = d_seg / 2;
    size_t segments = 0;
    gr_complex* in = d_fft->get_inbuf();
    const gr_complex* out = d_fft->get_outbuf();
    for (size_t s = 0; s + d_seg <= d_L; s += hop, segments++) {
        for (size_t i = 0; i < d_seg; i++)
            in[i] = x[s + i] * d_window[i];
        d_fft->execute();
        for (size_t k = 0; k < d_seg; k++)
            d_psd[k] += std::norm(out[k]);
    }
    std::nth_element(d_psd.begin(), d_psd.begin() + d_low, d_psd.end());
    double low = 0;
    for (size_t k = 0; k < d_low; k++)
        low += d_psd[k];
    return low / double(d_low * segments);
}

double snr_estimator::estimate_db(const gr_complex* frame)
{
    const double power = mean_power(frame, d_L);
    const double noise = d_cal * noise_level(frame);
    if (!(power > 0) || !std::isfinite(power))
        return MIN_DB;
    if (!(noise > 0))
        return MAX_DB;
    const double signal = power - noise;
    if (signal <= 0)
        return MIN_DB;
    return std::clamp(10.0 * std::log10(signal / noise), MIN_DB, MAX_DB);
}

} // namespace capture
} // namespace amrcompress
} // namespace gr
