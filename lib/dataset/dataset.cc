/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/amrcompress/dataset.h>
#include <gnuradio/amrcompress/error.h>

namespace gr {
namespace amrcompress {

int dataset_info::class_index(const std::string& name) const
{
    for (size_t i = 0; i < classes.size(); i++)
        if (classes[i] == name)
            return static_cast<int>(i);
    std::string known;
    for (const auto& c : classes)
        known += (known.empty() ? "" : ", ") + c;
    throw input_error("unknown class name '" + name + "' (this dataset has: " + known +
                      ")");
}

void frame_block::reserve(size_t frames)
{
    iq.reserve(frames * frame_length * 2);
    labels.reserve(frames);
    snr_db.reserve(frames);
}

void frame_block::append_from(const frame_block& other, size_t i)
{
    const float* f = other.frame(i);
    iq.insert(iq.end(), f, f + other.frame_length * 2);
    labels.push_back(other.labels[i]);
    snr_db.push_back(other.snr_db[i]);
    if (!other.capture_time.empty())
        capture_time.push_back(other.capture_time[i]);
    if (!other.capture_id.empty())
        capture_id.push_back(other.capture_id[i]);
    if (!other.center_freq.empty())
        center_freq.push_back(other.center_freq[i]);
    if (!other.snr_estimated.empty())
        snr_estimated.push_back(other.snr_estimated[i]);
}

const std::vector<std::string>& rml2016_classes()
{
    static const std::vector<std::string> c = { "8PSK",  "AM-DSB", "AM-SSB", "BPSK",
                                                "CPFSK", "GFSK",   "PAM4",   "QAM16",
                                                "QAM64", "QPSK",   "WBFM" };
    return c;
}

const std::vector<std::string>& rml2018_classes()
{
    // The order that matches the data; the classes.txt shipped with the file is wrong.
    static const std::vector<std::string> c = {
        "OOK",       "4ASK",      "8ASK",      "BPSK",   "QPSK",   "8PSK",
        "16PSK",     "32PSK",     "16APSK",    "32APSK", "64APSK", "128APSK",
        "16QAM",     "32QAM",     "64QAM",     "128QAM", "256QAM", "AM-SSB-WC",
        "AM-SSB-SC", "AM-DSB-WC", "AM-DSB-SC", "FM",     "GMSK",   "OQPSK"
    };
    return c;
}

} // namespace amrcompress
} // namespace gr
