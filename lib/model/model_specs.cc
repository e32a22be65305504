/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The built-in declarative descriptions. No torch here: cheap to compile.
 */
#include "../util/bounded_json.h"
#include "../util/input_file.h"
#include "model_specs.h"
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/model.h>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace gr {
namespace amrcompress {
namespace model {

using json = nlohmann::json;

namespace {

json authors_cnn1d()
{
    // The FCOS and FoQuS authors' CNN1D (their public ResNet1D): six
    // residual stacks of 32 filters, the first over the I/Q plane in 2-D,
    // 1x1 entry convs, no biases, no BatchNorm; Linear(32 L/64 -> 128),
    // dropout 0.3, no activation before the classifier. 100,907
    // parameters and 9.53 M MACs for 11 classes at L = 128, as FCOS
    // Table IV. See docs/models.md.
    json stacks = json::array();
    stacks.push_back({ { "channels", 32 }, { "units", { 32, 32 } }, { "iq_2d", true } });
    for (int i = 1; i < 6; i++)
        stacks.push_back({ { "channels", 32 }, { "units", { 32, 32 } } });
    return { { "arch", "cnn1d" }, { "entry_kernel", 1 }, { "kernel", 3 },
             { "bias", false },   { "stacks", stacks },  { "hidden", 128 },
             { "dropout", 0.3 },  { "head_relu", false } };
}

json lite_cnn1d()
{
    // The project's CNN1D before the authors' definition was read: the
    // same stacks all in 1-D, 3-tap entry convs with biases, a ReLU
    // before the classifier: 99,979 parameters, 3.51 M MACs (11 classes,
    // L = 128). Kept for speed comparisons and the earlier figures.
    json stacks = json::array();
    for (int i = 0; i < 6; i++)
        stacks.push_back({ { "channels", 32 }, { "units", { 32, 32 } } });
    return { { "arch", "cnn1d" },  { "entry_kernel", 3 }, { "kernel", 3 },
             { "stacks", stacks }, { "hidden", 128 },     { "dropout", 0.3 } };
}

json resnet56()
{
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

json signet50()
{
    // SigNet50 as the FCOS authors define it (model_signal/signet.py):
    // a 3 x 3 S2M filter, then ResNet50's [3, 4, 6, 3] bottleneck stages
    // (inner widths 64 ... 512, outputs 256 ... 2048), 23.5 M parameters
    // (FCOS Table V). See docs/models.md.
    json stages = json::array();
    const int width[4] = { 64, 128, 256, 512 }, blocks[4] = { 3, 4, 6, 3 };
    for (int s = 0; s < 4; s++)
        stages.push_back(
            { { "channels", 4 * width[s] },
              { "stride", s == 0 ? 1 : 2 },
              { "blocks",
                std::vector<std::vector<int>>(blocks[s], { width[s], width[s] }) } });
    return { { "arch", "signet" }, { "s2m", 3 }, { "stem", 64 }, { "stages", stages } };
}

json iqformer()
{
    // IQFormer as its authors configure it for RML2016.10a (their main.py:
    // layers [2, 3, 2], embed dims 64, mlp ratio 4, one attention encoder
    // closing each stage, dropout 0.2; their dataset.py's STFT: Blackman
    // 31, nfft 128, 32 bins). 355,049 parameters for 11 classes. See
    // docs/models.md.
    json stages = json::array();
    for (int n : { 2, 3, 2 }) {
        json blocks = json::array();
        for (int i = 0; i + 1 < n; i++)
            blocks.push_back({ { "hidden", 256 } });
        blocks.push_back({ { "attention", true }, { "local", 64 }, { "hidden", 256 } });
        stages.push_back({ { "blocks", blocks } });
    }
    return { { "arch", "iqformer" },
             { "stft", { { "window", 31 }, { "nfft", 128 }, { "bins", 32 } } },
             { "dim", 64 },
             { "stem", 8 },
             { "fusion", 32 },
             { "lstm_layers", 2 },
             { "stages", stages },
             { "dropout", 0.2 } };
}

json oshea_cnn2d()
{
    // O'Shea, Corgan and Clancy 2016 ("CNN2"): two 2-D convs and a dense layer.
    return { { "arch", "cnn2d" },
             { "convs",
               { { { "channels", 256 }, { "kernel", { 1, 3 } }, { "pad", { 0, 2 } } },
                 { { "channels", 80 }, { "kernel", { 2, 3 } }, { "pad", { 0, 2 } } } } },
             { "hidden", 256 },
             { "dropout", 0.5 } };
}

json rajendran_lstm()
{
    // Two-layer LSTM on amplitude and phase (Rajendran et al. 2018).
    return { { "arch", "lstm" }, { "hidden", 128 }, { "layers", 2 }, { "input", "ap" } };
}

struct preset {
    const char* name;
    json (*spec)();
};

const preset PRESETS[] = {
#define AMR_PRESET(name, fn) { name, fn },
#include "presets.def"
#undef AMR_PRESET
};

} // namespace

json default_spec(const std::string& arch)
{
    for (const auto& p : PRESETS)
        if (arch == p.name)
            return p.spec();
    // An architecture's name stands for its only preset ("resnet" is
    // resnet56, "signet" signet50), so either name a user sees works.
    const preset* only = nullptr;
    size_t n = 0;
    for (const auto& p : PRESETS)
        if (p.spec().value("arch", "") == arch) {
            only = &p;
            n++;
        }
    if (n == 1)
        return only->spec();
    std::string known;
    for (const auto& name : model_architectures())
        known += name + ", ";
    throw input_error("unknown model architecture '" + arch + "' (known: " + known +
                      "or a JSON spec)");
}

void bad_spec(const std::string& what) { throw input_error("model spec: " + what); }

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
    const std::string what = key ? std::string("'") + key + "'" : "a block's widths";
    if (key ? !j.is_object() || !j.contains(key) || !j[key].is_array() : !j.is_array())
        bad_spec(what + " must be a list of integers");
    std::vector<int> v;
    for (const auto& x : key ? j[key] : j) {
        if (!x.is_number_integer() || x.get<int64_t>() < 1 ||
            x.get<int64_t>() > (1 << 24))
            bad_spec(what + " must hold integers between 1 and 2^24");
        v.push_back(x.get<int>());
    }
    return v;
}

bool spec_bool(const json& j, const char* key, bool dflt)
{
    if (!j.is_object() || !j.contains(key))
        return dflt;
    if (!j[key].is_boolean())
        bad_spec(std::string("'") + key + "' must be true or false");
    return j[key].get<bool>();
}

bool cnn1d_stack_is_2d(const json& stack, size_t i)
{
    const bool two_d = spec_bool(stack, "iq_2d", false);
    if (two_d && i != 0)
        bad_spec("only the first cnn1d stack can be 2-D ('iq_2d'): stack " +
                 std::to_string(i) + " has it");
    return two_d;
}

json resolve_spec(const std::string& spec_or_arch)
{
    auto first = spec_or_arch.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && spec_or_arch[first] == '{') {
        return parse_untrusted_json(spec_or_arch, "--model", "the model spec");
    }
    const std::string& p = spec_or_arch;
    if (p.size() > 5 && p.compare(p.size() - 5, 5, ".json") == 0) { // a spec file
        return parse_untrusted_json(
            read_small_file(p, "model spec", 1u << 20), p, "the model spec");
    }
    return default_spec(spec_or_arch);
}

} // namespace model

std::vector<std::string> model_architectures()
{
    std::vector<std::string> names;
    for (const auto& p : model::PRESETS)
        names.push_back(p.name);
    return names;
}

std::string default_model_spec(const std::string& arch)
{
    return model::default_spec(arch).dump(2);
}

std::string model_info::to_json() const
{
    return nlohmann::json{
        { "amr_format", "gr-amrcompress model 1" },
        { "arch", arch },
        { "spec", nlohmann::json::parse(spec, nullptr, false) },
        { "classes", classes },
        { "frame_length", frame_length },
        { "normalisation", normalisation },
        { "input_layout", input_layout },
        { "params", params },
        { "flops", flops },
        { "embedding_dim", embedding_dim }
    }.dump();
}

} // namespace amrcompress
} // namespace gr
