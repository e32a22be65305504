/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "label_state.h"

namespace gr {
namespace amrcompress {
namespace capture {

const char* to_string(label_source s)
{
    switch (s) {
    case label_source::parameter:
        return "parameter";
    case label_source::message:
        return "message";
    case label_source::tag:
        return "tag";
    default:
        return "none";
    }
}

void label_state::set_parameter(const labelled& l)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_param = l;
}

void label_state::set_message(const labelled& l)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_msg = l;
}

labelled label_state::parameter() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_param;
}

void label_state::add_label_tag(uint64_t offset, const std::string& label)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_label_tags.add(offset, label);
}

void label_state::add_snr_tag(uint64_t offset, double snr_db)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_snr_tags.add(offset, snr_db);
}

frame_label label_state::label_for(uint64_t first, uint64_t length)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    frame_label out;
    const auto& tag = d_label_tags.at(first);
    const auto& snr = d_snr_tags.at(first);
    const uint64_t last = first + (length ? length - 1 : 0);
    auto same = [](const std::string& a, const std::string& b) { return a == b; };
    if (tag && !tag->empty()) {
        out.source = label_source::tag;
        out.label = *tag;
        // The SNR tag counts only if it is not older than the label tag.
        if (snr && d_snr_tags.since() >= d_label_tags.since())
            out.snr_db = *snr;
        out.mixed = d_label_tags.changes_within(first, last, tag, same);
        return out;
    }
    out.mixed =
        d_label_tags.changes_within(first, last, std::optional<std::string>(""), same);
    if (!d_msg.label.empty()) {
        out.source = label_source::message;
        out.label = d_msg.label;
        out.snr_db = d_msg.snr_db;
    } else if (!d_param.label.empty()) {
        out.source = label_source::parameter;
        out.label = d_param.label;
        out.snr_db = d_param.snr_db;
    }
    return out;
}

} // namespace capture
} // namespace amrcompress
} // namespace gr
