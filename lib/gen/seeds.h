/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Seed derivation: every (class, SNR) cell and every random stream in it gets
 * its own seed, so cells are independent (the original reused one channel seed
 * for every run) and any cell can be regenerated alone. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_GEN_SEEDS_H
#define INCLUDED_AMRCOMPRESS_GEN_SEEDS_H

#include <cstdint>
#include <string>

namespace gr {
namespace amrcompress {
namespace gen {

inline uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

inline uint64_t fnv1a(const std::string& s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : s)
        h = (h ^ c) * 0x100000001b3ULL;
    return h;
}

//! Random streams inside a cell.
enum class stream : uint64_t { bits = 1, audio, channel, windows, noise };

inline uint64_t cell_seed(uint64_t seed, const std::string& cls, int snr_db, stream s)
{
    uint64_t h = splitmix64(seed);
    h = splitmix64(h ^ fnv1a(cls));
    h = splitmix64(h ^ static_cast<uint64_t>(static_cast<int64_t>(snr_db)));
    return splitmix64(h ^ static_cast<uint64_t>(s));
}

} // namespace gen
} // namespace amrcompress
} // namespace gr

#endif
