/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GNU Radio transmitter chains for the RML2016.10a classes, following the
 * original generator (REFERENCE §2) with its flaws fixed. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_TRANSMITTERS_H
#define INCLUDED_AMRCOMPRESS_TRANSMITTERS_H

#include <gnuradio/basic_block.h>
#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {
namespace gen {

struct transmitter_params {
    double sample_rate = 200e3;
    int sps = 8;
    uint64_t bits_seed = 0;
    uint64_t audio_seed = 0;
};

/*!
 * Blocks to connect in order (source first); the last one outputs complex
 * baseband at sample_rate, at least n_out samples before its source ends.
 */
std::vector<basic_block_sptr>
make_transmitter(const std::string& cls, size_t n_out, const transmitter_params& p);

bool is_supported_class(const std::string& cls);
const std::vector<std::string>& transmitter_classes();

} // namespace gen
} // namespace amrcompress
} // namespace gr

#endif
