/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../deploy/torchscript_archive.h"
#include "../util/bounded_json.h"
#include "../util/input_file.h"
#include "model_meta.h"
#include <gnuradio/amrcompress/error.h>
#include <nlohmann/json.hpp>
#include <set>

namespace gr {
namespace amrcompress {

namespace {
// A whole number >= 0 from the metadata: nlohmann's get<size_t>() of 1e87 is
// undefined behaviour (a float cast out of range), of -1 a wrapped integer.
size_t count_field(const nlohmann::json& j,
                   const char* key,
                   const std::string& path,
                   bool required,
                   size_t fallback = 0)
{
    if (!j.contains(key)) {
        if (required)
            throw input_error(path, std::string("model metadata has no '") + key + "'");
        return fallback;
    }
    const auto& v = j.at(key);
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
        throw input_error(path,
                          std::string("model metadata: '") + key +
                              "' must be a whole number >= 0, got " + v.dump());
    return v.get<size_t>();
}
} // namespace

model_info parse_model_meta(const std::string& meta, const std::string& path)
{
    using json = nlohmann::json;
    if (meta.empty())
        throw input_error(path,
                          "TorchScript file without gr-amrcompress metadata "
                          "(amr_meta.json); see docs/models.md for the contract");
    model_info i;
    const json j = parse_untrusted_json(
        meta, path, "the model metadata (amr_meta.json)", { 64, 16u << 20 });
    try {
        i.arch = j.at("arch");
        i.spec = j.at("spec").dump();
        i.classes = j.at("classes").get<std::vector<std::string>>();
        i.frame_length = count_field(j, "frame_length", path, true);
        i.normalisation = j.at("normalisation");
        i.input_layout = j.value("input_layout", i.input_layout);
        i.params = count_field(j, "params", path, false);
        i.flops = j.value("flops", 0.0);
        i.embedding_dim = count_field(j, "embedding_dim", path, false);
    } catch (const json::exception& e) {
        throw input_error(path, std::string("malformed model metadata: ") + e.what());
    }
    if (i.classes.size() < 2 || i.frame_length == 0)
        throw input_error(path, "model metadata lacks classes or frame length");
    // The dataset reader's bounds: a model cannot take more than data can hold.
    if (i.frame_length > (size_t(1) << 24) || i.classes.size() > (size_t(1) << 16))
        throw input_error(path,
                          "model metadata claims " + std::to_string(i.classes.size()) +
                              " classes of frames of " + std::to_string(i.frame_length) +
                              " samples: more than any dataset can have");
    std::set<std::string> seen;
    for (const auto& c : i.classes) {
        if (c.empty())
            throw input_error(path, "model metadata holds an empty class name");
        if (!seen.insert(c).second)
            throw input_error(path,
                              "model metadata names class '" + c +
                                  "' twice: its outputs could not be told apart");
    }
    return i;
}

model_info read_model_info(const std::string& path)
{
    require_regular_file(path, "model");
    deploy::torchscript_contents ts;
    try {
        ts = deploy::read_torchscript(path);
    } catch (const input_error&) {
        throw;
    } catch (const std::exception& e) {
        throw input_error(path,
                          std::string("not a TorchScript model file (") + e.what() + ")");
    }
    const auto it = ts.extra.find(MODEL_META_FILE);
    return parse_model_meta(it == ts.extra.end() ? std::string() : it->second, path);
}

namespace model {

void check_fits(const model_info& info,
                const std::vector<std::string>& classes,
                size_t frame_length,
                const std::string& what)
{
    if (info.frame_length != frame_length)
        throw input_error(what + ": the model takes frames of " +
                          std::to_string(info.frame_length) + " samples, the data has " +
                          std::to_string(frame_length));
    if (info.classes != classes) {
        auto list = [](const std::vector<std::string>& v) {
            std::string s;
            for (const auto& c : v)
                s += (s.empty() ? "" : ",") + c;
            return s;
        };
        throw input_error(what + ": the model's classes (" + list(info.classes) +
                          ") differ from the data's (" + list(classes) + ")");
    }
}

} // namespace model

} // namespace amrcompress
} // namespace gr
