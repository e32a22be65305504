/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "bounded_json.h"
#include <gnuradio/amrcompress/error.h>

namespace gr {
namespace amrcompress {

namespace {
struct too_deep {
};
} // namespace

nlohmann::json parse_untrusted_json(const std::string& text,
                                    const std::string& path,
                                    const std::string& what,
                                    const json_limits& lim)
{
    if (text.size() > lim.max_bytes)
        throw input_error(path,
                          what + " is " + std::to_string(text.size()) +
                              " bytes of JSON, more than the " +
                              std::to_string(lim.max_bytes) + " allowed");
    // The callback sees every value's depth as it is parsed: stop at the
    // first one too deep, before the rest is built.
    auto guard = [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth > static_cast<int>(lim.max_depth))
            throw too_deep();
        return true;
    };
    try {
        return nlohmann::json::parse(text, guard);
    } catch (const too_deep&) {
        throw input_error(path,
                          what + " nests deeper than " + std::to_string(lim.max_depth) +
                              " levels: refused");
    } catch (const nlohmann::json::exception& e) {
        throw input_error(path, what + " is not valid JSON (" + e.what() + ")");
    }
}

} // namespace amrcompress
} // namespace gr
