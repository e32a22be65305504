/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A value set by stream tags that stays in force from its tag's offset until
 * the next tag (as rx_freq, rx_rate and our amr_label are used). Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_CAPTURE_STICKY_TAGS_H
#define INCLUDED_AMRCOMPRESS_CAPTURE_STICKY_TAGS_H

#include <cstdint>
#include <map>
#include <optional>

namespace gr {
namespace amrcompress {
namespace capture {

template <typename T>
class sticky_tag
{
public:
    //! A tag at a stream offset; offsets may arrive in any order.
    void add(uint64_t offset, const T& value) { d_pending[offset] = value; }

    /*!
     * The value in force at sample `at` (the last tag at or before it), or
     * nothing before the first tag. Positions must not decrease between calls:
     * tags at or before `at` are consumed.
     */
    const std::optional<T>& at(uint64_t at)
    {
        auto end = d_pending.upper_bound(at);
        for (auto it = d_pending.begin(); it != end; ++it) {
            d_current = it->second;
            d_since = it->first;
        }
        d_pending.erase(d_pending.begin(), end);
        return d_current;
    }

    //! The offset of the tag now in force (valid after at() found one).
    uint64_t since() const { return d_since; }

    //! Whether a tag in (first, last] sets a value other than `than`.
    template <typename Eq>
    bool changes_within(uint64_t first,
                        uint64_t last,
                        const std::optional<T>& than,
                        Eq eq) const
    {
        for (auto it = d_pending.upper_bound(first);
             it != d_pending.end() && it->first <= last;
             ++it)
            if (!than || !eq(*than, it->second))
                return true;
        return false;
    }

private:
    std::map<uint64_t, T> d_pending;
    std::optional<T> d_current;
    uint64_t d_since = 0;
};

} // namespace capture
} // namespace amrcompress
} // namespace gr

#endif
