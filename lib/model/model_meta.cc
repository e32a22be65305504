/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../deploy/torchscript_archive.h"
#include "model_meta.h"
#include <gnuradio/amrcompress/error.h>
#include <nlohmann/json.hpp>
#include <fstream>

namespace gr {
namespace amrcompress {

model_info parse_model_meta(const std::string& meta, const std::string& path)
{
    using json = nlohmann::json;
    if (meta.empty())
        throw input_error(path,
                          "TorchScript file without gr-amrcompress metadata "
                          "(amr_meta.json); see docs/models.md for the contract");
    model_info i;
    try {
        auto j = json::parse(meta);
        i.arch = j.at("arch");
        i.spec = j.at("spec").dump();
        i.classes = j.at("classes").get<std::vector<std::string>>();
        i.frame_length = j.at("frame_length");
        i.normalisation = j.at("normalisation");
        i.input_layout = j.value("input_layout", i.input_layout);
        i.params = j.value("params", size_t(0));
        i.flops = j.value("flops", 0.0);
        i.embedding_dim = j.value("embedding_dim", size_t(0));
    } catch (const json::exception& e) {
        throw input_error(path, std::string("malformed model metadata: ") + e.what());
    }
    if (i.classes.size() < 2 || i.frame_length == 0)
        throw input_error(path, "model metadata lacks classes or frame length");
    return i;
}

model_info read_model_info(const std::string& path)
{
    if (!std::ifstream(path).good())
        throw input_error(path, "cannot open model file");
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
