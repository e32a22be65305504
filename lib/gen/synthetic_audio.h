/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Speech-like test audio for the analog classes. The original generator read
 * a recording we cannot ship; this makes voiced segments (harmonics of a
 * gliding pitch with formant emphasis), unvoiced segments (noise-like tone
 * clusters) and short pauses, with smooth segment envelopes. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_SYNTHETIC_AUDIO_H
#define INCLUDED_AMRCOMPRESS_SYNTHETIC_AUDIO_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace gr {
namespace amrcompress {
namespace gen {

//! n samples at fs Hz, band-limited to max_freq, peak-normalised to 1.
std::vector<float> synthetic_audio(size_t n, double fs, double max_freq, uint64_t seed);

} // namespace gen
} // namespace amrcompress
} // namespace gr

#endif
