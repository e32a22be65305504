/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "label_pmt.h"
#include <cmath>

namespace gr {
namespace amrcompress {
namespace capture {

std::string label_text(const pmt::pmt_t& v)
{
    if (pmt::is_symbol(v))
        return pmt::symbol_to_string(v);
    if (pmt::is_u8vector(v)) { // pmt strings from some Python paths
        size_t n;
        const uint8_t* p = pmt::u8vector_elements(v, n);
        return std::string(reinterpret_cast<const char*>(p), n);
    }
    return "";
}

double number_or_nan(const pmt::pmt_t& v)
{
    return pmt::is_number(v) && !pmt::is_complex(v) ? pmt::to_double(v) : NAN;
}

bool parse_label_message(const pmt::pmt_t& msg, labelled& l)
{
    l = labelled();
    if (pmt::is_dict(msg)) {
        l.label = label_text(pmt::dict_ref(msg, pmt::mp("label"), pmt::PMT_NIL));
        l.snr_db = number_or_nan(pmt::dict_ref(msg, pmt::mp("snr"), pmt::PMT_NIL));
    } else if (pmt::is_pair(msg) && !pmt::is_null(msg)) { // (label . snr)
        l.label = label_text(pmt::car(msg));
        l.snr_db = number_or_nan(pmt::cdr(msg));
    } else if (pmt::is_symbol(msg) || pmt::is_u8vector(msg)) {
        l.label = label_text(msg);
    } else if (!pmt::is_null(msg)) {
        return false;
    }
    return true;
}

void add_label_tags(label_state& s, const std::vector<gr::tag_t>& tags)
{
    static const pmt::pmt_t TAG_LABEL = pmt::mp("amr_label");
    static const pmt::pmt_t TAG_SNR = pmt::mp("amr_snr");
    for (const auto& t : tags) {
        if (pmt::eqv(t.key, TAG_LABEL))
            s.add_label_tag(t.offset, label_text(t.value));
        else if (pmt::eqv(t.key, TAG_SNR))
            s.add_snr_tag(t.offset, number_or_nan(t.value));
    }
}

} // namespace capture
} // namespace amrcompress
} // namespace gr
