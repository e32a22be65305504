/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SigMF <-> dataset. A dataset is one recording of concatenated frames
 * (cf32_le, exactly X's memory layout) with one annotation per frame.
 */
#include "../util/bounded_json.h"
#include "../util/input_file.h"
#include <gnuradio/amrcompress/convert.h>
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/dataset_writer.h>
#include <gnuradio/amrcompress/error.h>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace gr {
namespace amrcompress {

using json = nlohmann::json;

std::string sigmf_base(const std::string& path)
{
    for (const char* ext : { ".sigmf-meta", ".sigmf-data", ".sigmf" }) {
        size_t n = std::strlen(ext);
        if (path.size() > n && path.compare(path.size() - n, n, ext) == 0)
            return path.substr(0, path.size() - n);
    }
    return path;
}

void dataset_to_sigmf(const dataset_reader& ds,
                      const std::string& base_in,
                      bool overwrite)
{
    const std::string base = sigmf_base(base_in);
    const std::string data_path = base + ".sigmf-data", meta_path = base + ".sigmf-meta";
    if (ds.size() == 0)
        throw input_error(ds.path(), "the dataset holds no frames: nothing to convert");
    if (!overwrite &&
        (std::ifstream(data_path).good() || std::ifstream(meta_path).good()))
        throw input_error(base, "SigMF files exist (use --force to overwrite)");
    const auto& info = ds.info();
    const size_t L = info.frame_length;

    std::ofstream data(data_path, std::ios::binary | std::ios::trunc);
    if (!data)
        throw input_error(data_path, "cannot create");
    json ann = json::array();
    ds.for_each_block({}, 4096, [&](const frame_block& b, size_t first) {
        data.write(reinterpret_cast<const char*>(b.iq.data()),
                   b.iq.size() * sizeof(float));
        for (size_t i = 0; i < b.size(); i++) {
            json a = { { "core:sample_start", (first + i) * L },
                       { "core:sample_count", L },
                       { "core:label", info.classes[b.labels[i]] },
                       { "amrcompress:snr_db", b.snr_db[i] } };
            if (!b.capture_id.empty()) {
                a["amrcompress:capture_time"] = b.capture_time[i];
                a["amrcompress:capture_id"] = b.capture_id[i];
            }
            ann.push_back(std::move(a));
        }
    });
    if (!data.flush())
        throw input_error(data_path, "write failed (disk full?)");

    json global = { { "core:datatype", "cf32_le" },
                    { "core:version", "1.0.0" },
                    { "core:recorder", "gr-amrcompress amr convert" },
                    { "core:description",
                      info.description.empty() ? info.source : info.description },
                    { "amrcompress:classes", info.classes },
                    { "amrcompress:frame_length", L },
                    { "amrcompress:normalisation", info.normalisation },
                    { "amrcompress:source", info.source } };
    if (info.sample_rate > 0)
        global["core:sample_rate"] = info.sample_rate;
    if (!info.generator.empty())
        global["amrcompress:generator"] =
            parse_untrusted_json(info.generator, ds.path(), "the 'generator' attribute");
    json capture = { { "core:sample_start", 0 } };
    if (info.center_freq != 0)
        capture["core:frequency"] = info.center_freq;
    json meta = { { "global", global },
                  { "captures", json::array({ capture }) },
                  { "annotations", ann } };
    std::ofstream m(meta_path, std::ios::trunc);
    if (!m)
        throw input_error(meta_path, "cannot create");
    std::string text;
    try {
        text = meta.dump(1);
    } catch (const json::exception& e) {
        throw input_error(ds.path(),
                          std::string("cannot be written as SigMF: ") + e.what());
    }
    m << text << "\n";
    if (!m.flush())
        throw input_error(meta_path, "write failed (disk full?)");
}

namespace {
struct annotation {
    uint64_t start, count;
    std::string label;
    float snr;
    double time = 0;
    int64_t id = 0;
};

// A metadata file is JSON text of one line per annotation: 1 GiB is ten
// million frames and still fits in memory.
constexpr uint64_t max_meta_bytes = 1ull << 30;

/*
 * A count or offset of samples: a JSON integer >= 0. nlohmann's
 * get<uint64_t>() would truncate 128.5 and wrap -128 to 2^64 - 128.
 */
uint64_t sample_number(const json& x,
                       const char* key,
                       const std::string& where,
                       const std::string& meta_path)
{
    if (!x.contains(key))
        throw input_error(meta_path, where + " has no " + key);
    const json& v = x.at(key);
    if (!v.is_number_integer())
        throw input_error(meta_path,
                          where + ": " + key +
                              " must be a whole number of samples, got " + v.dump());
    if (v.is_number_unsigned())
        return v.get<uint64_t>();
    const int64_t s = v.get<int64_t>();
    if (s < 0)
        throw input_error(
            meta_path, where + ": " + key + " is negative (" + std::to_string(s) + ")");
    return static_cast<uint64_t>(s);
}
} // namespace

void sigmf_to_dataset(const std::string& base_in,
                      const std::string& out_path,
                      bool overwrite)
{
    const std::string base = sigmf_base(base_in);
    const std::string data_path = base + ".sigmf-data", meta_path = base + ".sigmf-meta";
    const json meta =
        parse_untrusted_json(read_small_file(meta_path, "SigMF metadata", max_meta_bytes),
                             meta_path,
                             "the SigMF metadata",
                             { 64, max_meta_bytes });
    dataset_info info;
    std::vector<annotation> anns;
    size_t sample_bytes = 8;
    bool ci16 = false;
    try {
        const json& g = meta.at("global");
        std::string dt = g.at("core:datatype").get<std::string>();
        if (dt == "ci16_le") {
            ci16 = true;
            sample_bytes = 4;
        } else if (dt != "cf32_le")
            throw input_error(meta_path,
                              "core:datatype '" + dt +
                                  "' is not supported (cf32_le or ci16_le)");
        info.sample_rate = g.value("core:sample_rate", 0.0);
        info.normalisation = g.value("amrcompress:normalisation", std::string("unknown"));
        info.source = g.value("amrcompress:source", std::string("SigMF: ") + base);
        info.description = g.value("core:description", std::string());
        if (g.contains("amrcompress:generator"))
            info.generator = g["amrcompress:generator"].dump();
        if (g.contains("amrcompress:classes")) {
            info.classes = g["amrcompress:classes"].get<std::vector<std::string>>();
            if (info.classes.empty())
                throw input_error(
                    meta_path,
                    "amrcompress:classes is empty: it must name every class "
                    "(or be left out, to take the names from the labels)");
        }
        if (meta.contains("captures") && !meta["captures"].empty())
            info.center_freq = meta["captures"][0].value("core:frequency", 0.0);
        const json& a = meta.at("annotations");
        if (!a.is_array() || a.empty())
            throw input_error(meta_path, "no annotations: each frame needs one");
        for (size_t i = 0; i < a.size(); i++) {
            const json& x = a[i];
            auto where = "annotation " + std::to_string(i);
            if (!x.contains("core:label"))
                throw input_error(meta_path, where + " has no core:label");
            if (!x.contains("amrcompress:snr_db"))
                throw input_error(meta_path, where + " has no amrcompress:snr_db");
            annotation an{ sample_number(x, "core:sample_start", where, meta_path),
                           sample_number(x, "core:sample_count", where, meta_path),
                           x.at("core:label").get<std::string>(),
                           x.at("amrcompress:snr_db").get<float>() };
            if (an.label.empty())
                throw input_error(meta_path, where + " has an empty core:label");
            if (!std::isfinite(an.snr))
                throw input_error(meta_path,
                                  where + ": amrcompress:snr_db is not a finite number");
            an.time = x.value("amrcompress:capture_time", 0.0);
            an.id = x.value("amrcompress:capture_id", int64_t(i));
            anns.push_back(an);
        }
    } catch (const json::exception& e) {
        throw input_error(meta_path,
                          std::string("missing or malformed field: ") + e.what());
    }

    const size_t L = anns[0].count;
    for (size_t i = 0; i < anns.size(); i++)
        if (anns[i].count != L || L == 0)
            throw input_error(meta_path,
                              "annotation " + std::to_string(i) + " has " +
                                  std::to_string(anns[i].count) +
                                  " samples; all frames need the same length (" +
                                  std::to_string(L) + ")");
    // The dataset reader's bound (a frame of 2^24 samples is 128 MiB).
    if (L > (uint64_t(1) << 24))
        throw input_error(meta_path,
                          "frames of " + std::to_string(L) +
                              " samples are more than a frame can have (2^24)");
    info.frame_length = L;
    if (info.classes.empty()) {
        for (const auto& c : rml2016_classes())
            for (const auto& an : anns)
                if (an.label == c) {
                    info.classes.push_back(c);
                    break;
                }
        std::vector<std::string> rest;
        for (const auto& an : anns)
            if (std::find(info.classes.begin(), info.classes.end(), an.label) ==
                    info.classes.end() &&
                std::find(rest.begin(), rest.end(), an.label) == rest.end())
                rest.push_back(an.label);
        std::sort(rest.begin(), rest.end());
        info.classes.insert(info.classes.end(), rest.begin(), rest.end());
    }

    for (size_t i = 0; i < anns.size(); i++)
        if (std::find(info.classes.begin(), info.classes.end(), anns[i].label) ==
            info.classes.end())
            throw input_error(meta_path,
                              "annotation " + std::to_string(i) + " has label '" +
                                  anns[i].label +
                                  "', which amrcompress:classes does not name");

    const uint64_t data_bytes = require_regular_file(data_path, "SigMF data");
    std::ifstream data(data_path, std::ios::binary);
    if (!data)
        throw input_error(data_path, "cannot open");
    if (data_bytes % sample_bytes != 0)
        throw input_error(data_path,
                          std::to_string(data_bytes) +
                              " bytes is not a whole number of " +
                              std::to_string(sample_bytes) + "-byte samples (" +
                              (ci16 ? "ci16_le" : "cf32_le") +
                              "): wrong core:datatype, or a truncated recording?");
    const uint64_t total = data_bytes / sample_bytes;
    uint64_t covered = 0;
    for (size_t i = 0; i < anns.size(); i++) {
        if (anns[i].start > total || L > total - anns[i].start)
            throw input_error(
                data_path,
                "annotation " + std::to_string(i) + " (samples " +
                    std::to_string(anns[i].start) + "+" + std::to_string(L) +
                    ") reaches past the end of the data (" + std::to_string(total) +
                    " samples): truncated recording?");
        covered = std::max(covered, anns[i].start + L);
    }
    // Every sample belongs to a frame here: a recording twice as long as its
    // annotations is float data declared as ci16_le (or vice versa).
    if (covered != total)
        throw input_error(
            data_path,
            "holds " + std::to_string(total) + " " + (ci16 ? "ci16_le" : "cf32_le") +
                " samples but the annotations cover " + std::to_string(covered) +
                ": wrong core:datatype, or samples outside every frame");

    writer_options wo;
    wo.overwrite = overwrite;
    wo.frame_metadata = true;
    dataset_writer w(out_path, info, wo);
    frame_block b;
    b.frame_length = L;
    std::vector<int16_t> raw16(2 * L);
    for (size_t i = 0; i < anns.size(); i++) {
        const auto& an = anns[i];
        size_t off = b.iq.size();
        b.iq.resize(off + 2 * L);
        data.seekg(static_cast<std::streamoff>(an.start * sample_bytes));
        if (ci16) {
            data.read(reinterpret_cast<char*>(raw16.data()), 4 * L);
            for (size_t k = 0; k < 2 * L; k++)
                b.iq[off + k] = raw16[k] / 32768.0f;
        } else {
            data.read(reinterpret_cast<char*>(b.iq.data() + off), 8 * L);
        }
        if (!data)
            throw input_error(data_path,
                              "read failed at annotation " + std::to_string(i));
        for (size_t k = 0; k < 2 * L; k++)
            if (!std::isfinite(b.iq[off + k]))
                throw input_error(data_path,
                                  "annotation " + std::to_string(i) + " (samples " +
                                      std::to_string(an.start) + "+" + std::to_string(L) +
                                      ") contains NaN or Inf samples");
        b.labels.push_back(info.class_index(an.label));
        b.snr_db.push_back(an.snr);
        b.capture_time.push_back(an.time);
        b.capture_id.push_back(an.id);
        if (b.size() == 4096 || i + 1 == anns.size()) {
            w.append(b);
            b = frame_block();
            b.frame_length = L;
        }
    }
    w.close();
}

} // namespace amrcompress
} // namespace gr
