/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Labels as they reach a block in PMTs: `amr_label` / `amr_snr` stream tags
 * (dataset_source, a labelling upstream block) and `label` messages. Shared by
 * every block that frames a labelled stream (dataset_sink, coreset_keeper).
 */
#ifndef INCLUDED_AMRCOMPRESS_CAPTURE_LABEL_PMT_H
#define INCLUDED_AMRCOMPRESS_CAPTURE_LABEL_PMT_H

#include "label_state.h"
#include <gnuradio/amrcompress/api.h>
#include <gnuradio/tags.h>
#include <pmt/pmt.h>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {
namespace capture {

//! A label given as a PMT: symbol or string-like; nil or anything else: "".
AMRCOMPRESS_API std::string label_text(const pmt::pmt_t& v);

//! A real number, else NaN.
AMRCOMPRESS_API double number_or_nan(const pmt::pmt_t& v);

/*!
 * \brief A `label` message: a symbol, a dict {label, snr} or a pair
 * (label . snr); nil releases the level (empty label). Returns false for
 * anything else (the caller logs it).
 */
AMRCOMPRESS_API bool parse_label_message(const pmt::pmt_t& msg, labelled& out);

//! Feeds the `amr_label` and `amr_snr` tags among `tags` to the label state.
AMRCOMPRESS_API void add_label_tags(label_state& s, const std::vector<gr::tag_t>& tags);

} // namespace capture
} // namespace amrcompress
} // namespace gr

#endif
