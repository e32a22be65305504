/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * UTF-8 validity of names that come from files (class names): HDF5 stores
 * them as UTF-8 strings, and h5py, JSON and PMT symbols all need valid text.
 * Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_UTF8_H
#define INCLUDED_AMRCOMPRESS_UTF8_H

#include <string>

namespace gr {
namespace amrcompress {

//! Well-formed UTF-8 (no overlong forms, no code points above U+10FFFF).
inline bool is_valid_utf8(const std::string& s)
{
    for (size_t i = 0; i < s.size();) {
        const unsigned char c = s[i];
        size_t extra;
        if (c < 0x80)
            extra = 0;
        else if (c >= 0xC2 && c <= 0xDF)
            extra = 1;
        else if (c >= 0xE0 && c <= 0xEF)
            extra = 2;
        else if (c >= 0xF0 && c <= 0xF4)
            extra = 3;
        else
            return false;
        if (extra > s.size() - i - 1) // truncated sequence
            return false;
        for (size_t k = 1; k <= extra; k++)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
                return false;
        // Overlong three- and four-byte forms, surrogates, above U+10FFFF.
        if (extra == 2) {
            const unsigned char d = s[i + 1];
            if ((c == 0xE0 && d < 0xA0) || (c == 0xED && d > 0x9F))
                return false;
        } else if (extra == 3) {
            const unsigned char d = s[i + 1];
            if ((c == 0xF0 && d < 0x90) || (c == 0xF4 && d > 0x8F))
                return false;
        }
        i += extra + 1;
    }
    return true;
}

} // namespace amrcompress
} // namespace gr

#endif
