/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The capture's energy gate: frame power against a running noise floor. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_CAPTURE_ENERGY_GATE_H
#define INCLUDED_AMRCOMPRESS_CAPTURE_ENERGY_GATE_H

#include <gnuradio/amrcompress/api.h>
#include <gnuradio/gr_complex.h>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>

namespace gr {
namespace amrcompress {
namespace capture {

//! Mean power of n complex samples (VOLK).
AMRCOMPRESS_API double mean_power(const gr_complex* x, size_t n);

/*!
 * \brief Opens for frames whose power is at least threshold_db above the noise floor.
 *
 * The noise floor is the minimum frame power over the last `window` frames
 * (minimum statistics: it follows a falling floor at once and a rising one
 * after `window` frames, and a signal that stays on longer than that becomes
 * the floor). The minimum of noise-only frames sits below the mean noise
 * power by about 2.5 standard deviations of a frame's power estimate (about
 * 1 dB at L = 128 over a window of 1000), which the threshold absorbs.
 */
class AMRCOMPRESS_API energy_gate
{
public:
    energy_gate(double threshold_db, size_t window);
    //! Takes the next frame's mean power; true when the gate is open for it.
    bool open(double power);
    double floor() const; //!< current floor (linear power), 0 before the first frame
    uint64_t frames_seen() const { return d_count; }

private:
    double d_ratio; // linear threshold
    size_t d_window;
    uint64_t d_count = 0;
    std::deque<std::pair<uint64_t, double>> d_min; // increasing powers: sliding minimum
};

} // namespace capture
} // namespace amrcompress
} // namespace gr

#endif
