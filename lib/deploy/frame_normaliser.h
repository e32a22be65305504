/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Complex samples -> a model's input frame ([2, L]: I row, Q row), normalised
 * the way the model's metadata says, with VOLK kernels. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_FRAME_NORMALISER_H
#define INCLUDED_AMRCOMPRESS_FRAME_NORMALISER_H

#include <gnuradio/amrcompress/api.h>
#include <gnuradio/gr_complex.h>
#include <volk/volk_alloc.hh>
#include <string>

namespace gr {
namespace amrcompress {

class AMRCOMPRESS_API frame_normaliser
{
public:
    //! normalisation: l1 (x / sum |x|), power (unit mean power) or none.
    frame_normaliser(size_t frame_length, const std::string& normalisation);
    /*!
     * Writes the 2 * L floats of the frame to `out`. Returns false (out
     * untouched) when the frame holds NaN or infinite samples.
     */
    bool operator()(const gr_complex* in, float* out);
    /*!
     * The factor the frame is scaled by (1 for none, also for an all-zero
     * frame); NaN when the frame holds NaN or infinite samples.
     */
    float gain(const gr_complex* in);
    //! Scales the frame in place, keeping its layout; false for NaN/Inf samples.
    bool scale_in_place(gr_complex* frame);

private:
    size_t L;
    int mode; // 0 none, 1 l1, 2 power
    volk::vector<float> mag;
};

} // namespace amrcompress
} // namespace gr

#endif
