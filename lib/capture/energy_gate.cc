/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "energy_gate.h"
#include <gnuradio/amrcompress/error.h>
#include <volk/volk.h>
#include <cmath>

namespace gr {
namespace amrcompress {
namespace capture {

double mean_power(const gr_complex* x, size_t n)
{
    if (n == 0)
        return 0;
    lv_32fc_t acc;
    volk_32fc_x2_conjugate_dot_prod_32fc(&acc, x, x, static_cast<unsigned>(n));
    return double(lv_creal(acc)) / double(n);
}

energy_gate::energy_gate(double threshold_db, size_t window)
    : d_ratio(std::pow(10.0, threshold_db / 10.0)), d_window(window)
{
    if (!std::isfinite(threshold_db))
        throw input_error("energy gate: threshold must be a finite number of dB");
    if (window == 0)
        throw input_error(
            "energy gate: the noise-floor window must be at least one frame");
}

bool energy_gate::open(double power)
{
    // Sliding-window minimum: a deque of increasing powers, oldest first.
    const uint64_t i = d_count++;
    while (!d_min.empty() && d_min.back().second >= power)
        d_min.pop_back();
    d_min.emplace_back(i, power);
    while (d_min.front().first + d_window <= i)
        d_min.pop_front();
    return power >= d_ratio * d_min.front().second && power > 0;
}

double energy_gate::floor() const { return d_min.empty() ? 0.0 : d_min.front().second; }

} // namespace capture
} // namespace amrcompress
} // namespace gr
