/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Where a captured frame's label and SNR come from. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_CAPTURE_LABEL_STATE_H
#define INCLUDED_AMRCOMPRESS_CAPTURE_LABEL_STATE_H

#include "sticky_tags.h"
#include <gnuradio/amrcompress/api.h>
#include <cmath>
#include <mutex>
#include <string>

namespace gr {
namespace amrcompress {
namespace capture {

enum class label_source { none = 0, parameter = 1, message = 2, tag = 3 };
AMRCOMPRESS_API const char* to_string(label_source s);

//! A label with the SNR its source gave (NaN: none given, to be estimated).
struct labelled {
    std::string label;
    double snr_db = NAN;
};

struct frame_label {
    label_source source = label_source::none; //!< none: the frame has no label
    std::string label;
    double snr_db = NAN;
    bool mixed = false; //!< a tag changes the label inside the frame
};

/*!
 * \brief The three label sources of dataset_sink and their precedence.
 *
 * Precedence, per frame: a stream tag (`amr_label`, with `amr_snr`) in force
 * at the frame's first sample, else the last `label` message, else the block
 * parameter. An empty label releases its level (an `amr_label` tag with an
 * empty symbol or PMT nil, a message with an empty label) so the next level
 * applies again. Each source gives its own SNR: an `amr_label` tag resets the
 * tag SNR unless an `amr_snr` tag stands at the same offset. A frame inside
 * which the tagged label changes is marked mixed. Thread-safe: parameters and
 * messages arrive on other threads than the stream.
 */
class AMRCOMPRESS_API label_state
{
public:
    void set_parameter(const labelled& l);
    void set_message(const labelled& l);
    labelled parameter() const;

    void add_label_tag(uint64_t offset, const std::string& label);
    void add_snr_tag(uint64_t offset, double snr_db);

    //! The label of the frame [first, first + length); positions must not decrease.
    frame_label label_for(uint64_t first, uint64_t length);

private:
    mutable std::mutex d_mutex;
    labelled d_param, d_msg;
    sticky_tag<std::string> d_label_tags;
    sticky_tag<double> d_snr_tags;
};

} // namespace capture
} // namespace amrcompress
} // namespace gr

#endif
