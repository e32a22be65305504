/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * JSON from files we did not write. Private.
 *
 * nlohmann-json parses without recursion, but printing and copying a value
 * recurse once per level: an attribute nested 10^5 deep parses in seconds,
 * takes gigabytes and then overflows the stack in dump(). Real metadata
 * (a generator configuration, a SigMF global, a model spec) is a few levels
 * deep and kilobytes long, so both are bounded.
 */
#ifndef INCLUDED_AMRCOMPRESS_BOUNDED_JSON_H
#define INCLUDED_AMRCOMPRESS_BOUNDED_JSON_H

#include <gnuradio/amrcompress/api.h>
#include <nlohmann/json.hpp>
#include <string>

namespace gr {
namespace amrcompress {

struct json_limits {
    size_t max_depth = 64;
    size_t max_bytes = 64u << 20;
};

/*!
 * Parses \p text; throws input_error(path, what + ...) when it is not JSON,
 * is longer than the limit or nests deeper than the limit.
 */
AMRCOMPRESS_API nlohmann::json
parse_untrusted_json(const std::string& text,
                     const std::string& path,
                     const std::string& what,
                     const json_limits& lim = json_limits());

} // namespace amrcompress
} // namespace gr

#endif
