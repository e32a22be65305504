/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "frame_normaliser.h"
#include <gnuradio/amrcompress/error.h>
#include <volk/volk.h>
#include <cmath>

namespace gr {
namespace amrcompress {

frame_normaliser::frame_normaliser(size_t frame_length, const std::string& normalisation)
    : L(frame_length), mag(frame_length)
{
    if (normalisation == "none")
        mode = 0;
    else if (normalisation == "l1")
        mode = 1;
    else if (normalisation == "power")
        mode = 2;
    else
        throw input_error("unknown normalisation '" + normalisation +
                          "' (l1, power, none)");
}

float frame_normaliser::gain(const gr_complex* in)
{
    float sum = 0;
    if (mode == 1)
        volk_32fc_magnitude_32f(mag.data(), in, L);
    else
        volk_32fc_magnitude_squared_32f(mag.data(), in, L);
    volk_32f_accumulator_s32f(&sum, mag.data(), L);
    if (!std::isfinite(sum))
        return NAN;
    if (mode == 1 && sum > 0)
        return 1.0f / sum;
    if (mode == 2 && sum > 0)
        return 1.0f / std::sqrt(sum / L);
    return 1.0f;
}

bool frame_normaliser::operator()(const gr_complex* in, float* out)
{
    const float g = gain(in);
    if (!std::isfinite(g))
        return false;
    float* re = out;
    float* im = out + L;
    volk_32fc_deinterleave_32f_x2(re, im, in, L);
    if (mode != 0) {
        volk_32f_s32f_multiply_32f(re, re, g, L);
        volk_32f_s32f_multiply_32f(im, im, g, L);
    }
    return true;
}

bool frame_normaliser::scale_in_place(gr_complex* frame)
{
    const float g = gain(frame);
    if (!std::isfinite(g))
        return false;
    if (mode != 0) {
        float* f = reinterpret_cast<float*>(frame);
        volk_32f_s32f_multiply_32f(f, f, g, 2 * L);
    }
    return true;
}

} // namespace amrcompress
} // namespace gr
