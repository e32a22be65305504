/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../util/bounded_json.h"
#include "transmitters.h"
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/generator.h>
#include <nlohmann/json.hpp>
#include <set>

namespace gr {
namespace amrcompress {

generator_config::generator_config()
{
    for (int s = -20; s <= 18; s += 2)
        snrs_db.push_back(s);
}

const std::vector<std::string>& generator_config::supported_classes()
{
    return gen::transmitter_classes();
}

void generator_config::validate() const
{
    if (classes.empty())
        throw input_error("generator: no classes requested");
    std::set<std::string> seen;
    for (const auto& c : classes) {
        if (!gen::is_supported_class(c)) {
            std::string known;
            for (const auto& k : supported_classes())
                known += (known.empty() ? "" : ", ") + k;
            throw input_error("generator: unknown class name '" + c +
                              "' (supported: " + known + ")");
        }
        if (!seen.insert(c).second)
            throw input_error("generator: class '" + c + "' requested twice");
    }
    if (snrs_db.empty())
        throw input_error("generator: no SNRs requested");
    std::set<int> snr_seen;
    for (int s : snrs_db) {
        if (s < -60 || s > 60)
            throw input_error("generator: SNR " + std::to_string(s) +
                              " dB is outside -60..60 dB");
        if (!snr_seen.insert(s).second)
            throw input_error("generator: SNR " + std::to_string(s) + " requested twice");
    }
    if (frames_per_cell == 0 || frames_per_cell > 1000000)
        throw input_error("generator: frames per (class, SNR) must be within 1..1000000");
    if (frame_length < 8 || frame_length > 65536)
        throw input_error("generator: frame length must be within 8..65536");
    if (samples_per_symbol < 2 || samples_per_symbol > 64)
        throw input_error("generator: samples per symbol must be within 2..64");
    if (!(window_gap >= 0 && window_gap <= 16))
        throw input_error("generator: window gap must be within 0..16 frame lengths");
    if (!(sample_rate > 0))
        throw input_error("generator: sample rate must be positive");
    if (channel != "rml2016" && channel != "awgn")
        throw input_error("generator: channel must be 'rml2016' or 'awgn', not '" +
                          channel + "'");
    if (normalisation != "l1" && normalisation != "power" && normalisation != "none")
        throw input_error("generator: normalisation must be l1, power or none, not '" +
                          normalisation + "'");
    if (threads == 0)
        throw input_error("generator: threads must be at least 1");
}

std::string generator_config::to_json() const
{
    nlohmann::json j = {
        { "generator", "gr-amrcompress amr gen" },
        { "version", 1 },
        { "classes", classes },
        { "snrs_db", snrs_db },
        { "frames_per_cell", frames_per_cell },
        { "frame_length", frame_length },
        { "seed", seed },
        { "sample_rate", sample_rate },
        { "samples_per_symbol", samples_per_symbol },
        { "window_gap", window_gap },
        { "channel", channel },
        { "normalisation", normalisation },
        { "snr_definition",
          "mean noiseless received power over the (class, SNR) burst / complex AWGN "
          "power in the full sample-rate bandwidth, before per-frame normalisation" },
    };
    if (channel == "rml2016")
        j["channel_model"] =
            "dynamic_channel_model(200e3, 0.01, 50, 0.01, 500, 8, 1, "
            "True, 4, [0, 0.9, 1.7], [1, 0.8, 0.3], 8, 0, per-cell seed)";
    return j.dump();
}

generator_config generator_config::from_json(const std::string& text)
{
    generator_config c;
    try {
        auto j = parse_untrusted_json(
            text, "generator parameters", "the generator parameters");
        if (j.value("generator", "") != "gr-amrcompress amr gen")
            throw input_error("generator parameters are not from amr gen");
        c.classes = j.at("classes").get<std::vector<std::string>>();
        c.snrs_db = j.at("snrs_db").get<std::vector<int>>();
        // Whole numbers only: get<size_t>() of 1e87 is undefined behaviour.
        auto count = [&](const char* key) {
            const auto& v = j.at(key);
            if (!v.is_number_unsigned())
                throw input_error(std::string("generator parameters: '") + key +
                                  "' is not a whole number >= 0");
            return v.get<uint64_t>();
        };
        c.frames_per_cell = count("frames_per_cell");
        c.frame_length = count("frame_length");
        c.seed = count("seed");
        c.sample_rate = j.at("sample_rate").get<double>();
        c.samples_per_symbol = j.at("samples_per_symbol").get<int>();
        c.channel = j.at("channel").get<std::string>();
        c.normalisation = j.at("normalisation").get<std::string>();
        c.window_gap = j.value("window_gap", 2.0); // files before 2026-12: 2
    } catch (const nlohmann::json::exception& e) {
        throw input_error(std::string("malformed generator parameters: ") + e.what());
    }
    c.validate();
    return c;
}

int64_t generated_frame_id(const generator_config& cfg,
                           size_t class_index,
                           size_t snr_index,
                           size_t frame)
{
    return static_cast<int64_t>(
        (class_index * cfg.snrs_db.size() + snr_index) * cfg.frames_per_cell + frame);
}

} // namespace amrcompress
} // namespace gr
