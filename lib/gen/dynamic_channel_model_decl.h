/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Debian's gnuradio-dev 3.10.5 does not install gnuradio/channels/
 * dynamic_channel_model.h although libgnuradio-channels exports the block.
 * This declares the part we use (make() and the hier_block2 base), matching
 * the upstream header of GNU Radio 3.10. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_DYNAMIC_CHANNEL_MODEL_DECL_H
#define INCLUDED_AMRCOMPRESS_DYNAMIC_CHANNEL_MODEL_DECL_H

#if __has_include(<gnuradio/channels/dynamic_channel_model.h>)
#include <gnuradio/channels/dynamic_channel_model.h>
#else
#include <gnuradio/channels/api.h>
#include <gnuradio/hier_block2.h>
#include <vector>

namespace gr {
namespace channels {

class CHANNELS_API dynamic_channel_model : virtual public hier_block2
{
public:
    typedef std::shared_ptr<dynamic_channel_model> sptr;
    static sptr make(double samp_rate,
                     double sro_std_dev,
                     double sro_max_dev,
                     double cfo_std_dev,
                     double cfo_max_dev,
                     unsigned int N,
                     double doppler_freq,
                     bool LOS_model,
                     float K,
                     std::vector<float> delays,
                     std::vector<float> mags,
                     int ntaps_mpath,
                     double noise_amp,
                     double noise_seed);
};

} // namespace channels
} // namespace gr
#endif

#endif
