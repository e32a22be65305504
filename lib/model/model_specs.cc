/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The built-in declarative descriptions. No torch here: cheap to compile.
 */
#include "model_specs.h"
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/model.h>

namespace gr {
namespace amrcompress {
namespace model {

using json = nlohmann::json;

json default_spec(const std::string& arch)
{
    if (arch == "cnn1d") {
        // O'Shea's residual-stack network as the papers' authors use it: six
        // stacks of 32 channels, each an entry conv, two residual units of two
        // convs and a max-pool by 2; then 128 hidden units and dropout 0.3.
        // entry_kernel 3 gives 99,979 parameters for 11 classes at L = 128 (FCOS:
        // 100.9K); a 1x1 entry conv would give 89,611. See docs/models.md.
        json stacks = json::array();
        for (int i = 0; i < 6; i++)
            stacks.push_back({ { "channels", 32 }, { "units", { 32, 32 } } });
        return { { "arch", "cnn1d" },   { "entry_kernel", 3 }, { "kernel", 3 },
                 { "stacks", stacks },  { "hidden", 128 },     { "dropout", 0.3 } };
    }
    if (arch == "resnet56") {
        // CIFAR-style ResNet56 on [B, 1, 2, L]: 3 stages x 9 BasicBlocks; each
        // block lists its inner (prunable) width; shortcuts are parameter-free.
        json stages = json::array();
        int ch[3] = { 16, 32, 64 }, stride[3] = { 1, 2, 2 };
        for (int s = 0; s < 3; s++)
            stages.push_back({ { "channels", ch[s] },
                               { "stride", stride[s] },
                               { "blocks", std::vector<int>(9, ch[s]) } });
        return { { "arch", "resnet" }, { "stem", 16 }, { "stages", stages } };
    }
    if (arch == "cnn2d") {
        // O'Shea, Corgan and Clancy 2016 ("CNN2"): two 2-D convs and a dense layer.
        return { { "arch", "cnn2d" },
                 { "convs",
                   { { { "channels", 256 }, { "kernel", { 1, 3 } }, { "pad", { 0, 2 } } },
                     { { "channels", 80 }, { "kernel", { 2, 3 } }, { "pad", { 0, 2 } } } } },
                 { "hidden", 256 },
                 { "dropout", 0.5 } };
    }
    if (arch == "lstm") {
        // Two-layer LSTM on amplitude and phase (Rajendran et al. 2018).
        return { { "arch", "lstm" }, { "hidden", 128 }, { "layers", 2 }, { "input", "ap" } };
    }
    throw input_error("unknown model architecture '" + arch +
                      "' (known: cnn1d, resnet56, cnn2d, lstm, or a JSON spec)");
}

namespace {
[[noreturn]] void bad_spec(const std::string& what)
{
    throw input_error("model spec: " + what);
}
} // namespace

int spec_int(const json& j, const char* key, int lo)
{
    if (!j.is_object() || !j.contains(key) || !j[key].is_number_integer())
        bad_spec(std::string("'") + key + "' must be an integer");
    const int64_t v = j[key].get<int64_t>();
    if (v < lo || v > (int64_t(1) << 24))
        bad_spec(std::string("'") + key + "' must be between " + std::to_string(lo) +
                 " and 2^24");
    return int(v);
}

double spec_double(const json& j, const char* key, double dflt)
{
    if (!j.is_object() || !j.contains(key))
        return dflt;
    if (!j[key].is_number())
        bad_spec(std::string("'") + key + "' must be a number");
    return j[key].get<double>();
}

std::vector<int> spec_int_list(const json& j, const char* key)
{
    if (!j.is_object() || !j.contains(key) || !j[key].is_array())
        bad_spec(std::string("'") + key + "' must be a list of integers");
    std::vector<int> v;
    for (const auto& x : j[key]) {
        if (!x.is_number_integer() || x.get<int64_t>() < 1 ||
            x.get<int64_t>() > (1 << 24))
            bad_spec(std::string("'") + key + "' must hold integers between 1 and 2^24");
        v.push_back(x.get<int>());
    }
    return v;
}

json resolve_spec(const std::string& spec_or_arch)
{
    auto first = spec_or_arch.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && spec_or_arch[first] == '{') {
        try {
            return json::parse(spec_or_arch);
        } catch (const json::exception& e) {
            throw input_error(std::string("model spec is not valid JSON: ") + e.what());
        }
    }
    return default_spec(spec_or_arch);
}

} // namespace model

std::vector<std::string> model_architectures() { return { "cnn1d", "resnet56", "cnn2d", "lstm" }; }

std::string default_model_spec(const std::string& arch)
{
    return model::default_spec(arch).dump(2);
}

std::string model_info::to_json() const
{
    return nlohmann::json{ { "amr_format", "gr-amrcompress model 1" },
                           { "arch", arch },
                           { "spec", nlohmann::json::parse(spec, nullptr, false) },
                           { "classes", classes },
                           { "frame_length", frame_length },
                           { "normalisation", normalisation },
                           { "input_layout", input_layout },
                           { "params", params },
                           { "flops", flops },
                           { "embedding_dim", embedding_dim } }
        .dump();
}

} // namespace amrcompress
} // namespace gr
