/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Blind per-frame SNR estimate for captures without a known SNR. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_CAPTURE_SNR_ESTIMATOR_H
#define INCLUDED_AMRCOMPRESS_CAPTURE_SNR_ESTIMATOR_H

#include <gnuradio/amrcompress/api.h>
#include <gnuradio/gr_complex.h>
#include <memory>
#include <vector>

namespace gr {
namespace fft {
template <class T, bool forward>
class fft;
}
namespace amrcompress {
namespace capture {

/*!
 * \brief Per-sample SNR of one frame from its spectrum (the generator's definition).
 *
 * Welch periodogram (Hann window, segments of S = clamp(L/4, 16, 64) samples,
 * half overlap); the noise level is the mean of the lowest quarter of the
 * bins, scaled by a factor calibrated at construction on white noise (so it
 * is unbiased when at least that quarter of the band holds only noise); the
 * signal power is the frame's mean power minus the noise power.
 * SNR = 10 log10(signal / noise) over the full sampled band, clamped to
 * [-30, 60] dB. It needs spectrum the signal leaves free: oversampled
 * signals (RML-style, 8 samples per symbol) are measured well, a signal
 * filling the whole band reads low. Accuracy per class: docs/capture.md.
 */
class AMRCOMPRESS_API snr_estimator
{
public:
    explicit snr_estimator(size_t frame_length);
    ~snr_estimator();
    double estimate_db(const gr_complex* frame);
    size_t segment() const { return d_seg; }
    double calibration() const { return d_cal; }

private:
    double noise_level(const gr_complex* frame); // uncalibrated, per-sample power units

    size_t d_L, d_seg, d_low;
    double d_cal = 1.0;
    std::vector<float> d_window;
    std::vector<double> d_psd;
    std::unique_ptr<gr::fft::fft<gr_complex, true>> d_fft;
};

} // namespace capture
} // namespace amrcompress
} // namespace gr

#endif
