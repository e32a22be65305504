/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "summary.h"
#include "util/bounded_json.h"
#include <gnuradio/amrcompress/error.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

namespace amr {

using json = nlohmann::json;

json dataset_summary(const gr::amrcompress::dataset_reader& ds)
{
    const auto& info = ds.info();
    // Generated sets have a few SNRs; captures with estimated SNRs have as many
    // as frames: those are counted in 2 dB bins.
    std::set<float> exact(ds.snr_db().begin(), ds.snr_db().end());
    const bool binned = exact.size() > 40;
    auto column_of = [&](float snr) {
        return binned ? 2.0f * std::round(snr / 2.0f) : snr;
    };
    std::set<float> snrs;
    for (float s : exact)
        snrs.insert(column_of(s));
    std::map<float, size_t> snr_col;
    for (float s : snrs)
        snr_col.emplace(s, snr_col.size());
    std::vector<std::vector<size_t>> counts(info.classes.size(),
                                            std::vector<size_t>(snrs.size(), 0));
    for (size_t i = 0; i < ds.size(); i++)
        counts[ds.labels()[i]][snr_col[column_of(ds.snr_db()[i])]]++;
    json j = { { "file", ds.path() },
               { "frames", ds.size() },
               { "frame_length", info.frame_length },
               { "classes", info.classes },
               { "snrs_db", std::vector<float>(snrs.begin(), snrs.end()) },
               { "counts", counts },
               { "sample_rate", info.sample_rate },
               { "center_freq", info.center_freq },
               { "source", info.source },
               { "normalisation", info.normalisation },
               { "frame_metadata", ds.has_frame_metadata() },
               { "radio_metadata", ds.has_radio_metadata() },
               { "snr_binned_db", binned ? 2 : 0 } };
    // Attributes from the file: bounded (a value nested 10^5 deep would
    // overflow the stack when printed).
    if (!info.generator.empty())
        j["generator"] = gr::amrcompress::parse_untrusted_json(
            info.generator, ds.path(), "the 'generator' attribute");
    if (!info.capture.empty())
        j["capture"] = gr::amrcompress::parse_untrusted_json(
            info.capture, ds.path(), "the 'capture' attribute");
    if (ds.has_radio_metadata()) {
        const auto& est = ds.snr_estimated();
        j["snr_estimated_frames"] = size_t(std::count(est.begin(), est.end(), 1));
        std::set<double> freqs(ds.center_freq().begin(), ds.center_freq().end());
        j["center_freqs"] = std::vector<double>(freqs.begin(), freqs.end());
    }
    return j;
}

void print_summary(const json& s, std::ostream& os)
{
    os << s["file"].get<std::string>() << ": " << s["frames"] << " frames of "
       << s["frame_length"] << " complex samples, " << s["classes"].size() << " classes, "
       << s["snrs_db"].size() << " SNRs\n";
    os << "  source: " << s["source"].get<std::string>() << "\n";
    os << "  normalisation: " << s["normalisation"].get<std::string>()
       << ", sample rate: " << s["sample_rate"].get<double>() << " Hz\n";
    if (s.value("radio_metadata", false))
        os << "  live capture: " << s["snr_estimated_frames"]
           << " frames with estimated SNR, " << s["center_freqs"].size()
           << " centre frequencies\n";
    os << "  frames per class x SNR (dB"
       << (s.value("snr_binned_db", 0) ? ", 2 dB bins" : "") << "):\n";
    char buf[64];
    os << "    " << std::string(10, ' ');
    for (const auto& snr : s["snrs_db"]) {
        std::snprintf(buf, sizeof buf, "%6g", snr.get<double>());
        os << buf;
    }
    os << "\n";
    for (size_t c = 0; c < s["classes"].size(); c++) {
        std::snprintf(
            buf, sizeof buf, "    %-10s", s["classes"][c].get<std::string>().c_str());
        os << buf;
        for (const auto& n : s["counts"][c]) {
            std::snprintf(buf, sizeof buf, "%6zu", n.get<size_t>());
            os << buf;
        }
        os << "\n";
    }
}

void write_json(const json& j, const std::string& path)
{
    if (path == "-") {
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::ofstream f(path);
    if (!f)
        throw gr::amrcompress::input_error(path, "cannot create JSON output");
    f << j.dump(2) << "\n";
    if (!f.flush())
        throw gr::amrcompress::input_error(path, "write failed");
}

} // namespace amr
