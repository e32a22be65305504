/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each architecture's spec is turned into straight-line TorchScript source
 * (methods `features` and `forward`) plus registered parameters and buffers,
 * so the same module trains in C++ with autograd and loads in Python with
 * torch.jit.load. FLOPs are counted while the code is generated, with thop's
 * conventions (conv and linear multiply-accumulates at batch 1).
 */
#include "arch_table.h"
#include "model_meta.h"
#include "model_specs.h"
#include "torch_model.h"
#include <gnuradio/amrcompress/error.h>
#include <cmath>
#include <fstream>
#include <sstream>

namespace gr {
namespace amrcompress {
namespace model {

using json = nlohmann::json;

namespace {

constexpr const char* META_FILE = MODEL_META_FILE;

[[noreturn]] void bad_spec(const std::string& what)
{
    throw input_error("model spec: " + what);
}

// PyTorch's default initialisation: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for
// weights (kaiming_uniform with a = sqrt(5)) and biases.
torch::Tensor uniform(std::vector<int64_t> shape, double fan_in)
{
    double b = 1.0 / std::sqrt(fan_in);
    return torch::empty(shape).uniform_(-b, b);
}

//! Emits TorchScript lines while registering parameters and counting FLOPs.
class builder
{
public:
    explicit builder(torch::jit::Module& m) : m(m) {}

    std::ostringstream code; // body of features(self, x)
    std::ostringstream taps; // the same body, collecting each layer's output
    std::vector<std::string> tap_names;
    double flops = 0;

    void param(const std::string& name, torch::Tensor t)
    {
        t.set_requires_grad(true);
        m.register_parameter(name, t, false);
    }

    void line(const std::string& s)
    {
        code << "    " << s << "\n";
        taps << "    " << s << "\n";
    }

    //! Marks the current `x` as the output of layer `name` (for linear probes
    //! and feature-map statistics in pruning: the `taps` method).
    void tap(const std::string& name, const std::string& var = "x")
    {
        taps << "    t.append(" << var << ")\n";
        tap_names.push_back(name);
    }

    // x: [B, in, len] -> [B, out, len_out]
    void conv1d(
        const std::string& n, int in, int out, int k, int pad, int& len, bool bias = true)
    {
        param(n + "_w", uniform({ out, in, k }, double(in) * k));
        std::string b = "None";
        if (bias) {
            param(n + "_b", uniform({ out }, double(in) * k));
            b = "self." + n + "_b";
        }
        len = len + 2 * pad - k + 1;
        flops += double(out) * len * in * k;
        line("x = torch.conv1d(x, self." + n + "_w, " + b + ", [1], [" +
             std::to_string(pad) + "])");
    }

    // x: [B, in, h, w]
    void conv2d(const std::string& n,
                const std::string& src,
                const std::string& dst,
                int in,
                int out,
                int kh,
                int kw,
                int ph,
                int pw,
                int stride,
                bool bias,
                int& h,
                int& w)
    {
        param(n + "_w", uniform({ out, in, kh, kw }, double(in) * kh * kw));
        std::string b = "None";
        if (bias) {
            param(n + "_b", uniform({ out }, double(in) * kh * kw));
            b = "self." + n + "_b";
        }
        h = (h + 2 * ph - kh) / stride + 1;
        w = (w + 2 * pw - kw) / stride + 1;
        flops += double(out) * h * w * in * kh * kw;
        line(dst + " = torch.conv2d(" + src + ", self." + n + "_w, " + b + ", [" +
             std::to_string(stride) + ", " + std::to_string(stride) + "], [" +
             std::to_string(ph) + ", " + std::to_string(pw) + "])");
    }

    // thop counts an affine BatchNorm as 4 operations per element.
    void batch_norm(const std::string& n, const std::string& v, int ch, int h, int w)
    {
        flops += 4.0 * ch * h * w;
        param(n + "_g", torch::ones({ ch }));
        param(n + "_b", torch::zeros({ ch }));
        m.register_buffer(n + "_rm", torch::zeros({ ch }));
        m.register_buffer(n + "_rv", torch::ones({ ch }));
        line(v + " = torch.batch_norm(" + v + ", self." + n + "_g, self." + n +
             "_b, self." + n + "_rm, self." + n +
             "_rv, self.training, 0.1, 1e-05, False)");
    }

    void linear(const std::string& n, const std::string& v, int in, int out)
    {
        param(n + "_w", uniform({ out, in }, in));
        param(n + "_b", uniform({ out }, in));
        flops += double(in) * out;
        line(v + " = torch.linear(" + v + ", self." + n + "_w, self." + n + "_b)");
    }

private:
    torch::jit::Module& m;
};

// ---- architectures: each emits features(); returns the embedding size -----

int build_cnn1d(builder& b, const json& s, size_t L)
{
    const int k = spec_int(s, "kernel"), ek = spec_int(s, "entry_kernel");
    if (k % 2 == 0 || ek % 2 == 0)
        bad_spec("cnn1d kernels must be odd (same-length convolutions)");
    if (!s.contains("stacks") || !s["stacks"].is_array() || s["stacks"].empty())
        bad_spec("cnn1d needs a non-empty 'stacks' list");
    const size_t n_stacks = s["stacks"].size();
    if (n_stacks >= 20 || L % (size_t(1) << n_stacks) != 0)
        throw input_error("frame length " + std::to_string(L) +
                          " does not fit cnn1d: " + std::to_string(n_stacks) +
                          " max-pool stages need a multiple of " +
                          std::to_string(size_t(1) << std::min<size_t>(n_stacks, 20)));
    const bool bias = spec_bool(s, "bias", true);
    int in = 2, len = static_cast<int>(L);
    for (size_t i = 0; i < n_stacks; i++) {
        const json& st = s["stacks"][i];
        const int ch = spec_int(st, "channels");
        const std::string p = "s" + std::to_string(i);
        auto units = spec_int_list(st, "units");
        if (cnn1d_stack_is_2d(st, i)) {
            // Over the I/Q plane [B, 1, 2, L], as the FCOS authors' first
            // stack: each unit's first conv (2, k) pads the rows (2 -> 3),
            // its second does not (3 -> 2); a max pool by 2 in both
            // dimensions leaves one row, squeezed away.
            int h = 2;
            b.line("x = x.unsqueeze(1)");
            b.conv2d(p + "_entry", "x", "x", 1, ch, 1, ek, 0, ek / 2, 1, bias, h, len);
            b.tap(p + "_entry");
            for (size_t u = 0; u < units.size(); u++) {
                const std::string q = p + "_u" + std::to_string(u);
                b.line("r = x");
                b.conv2d(
                    q + "_c1", "x", "x", ch, units[u], 2, k, 1, k / 2, 1, bias, h, len);
                b.line("x = torch.relu(x)");
                b.tap(q + ".inner");
                b.conv2d(
                    q + "_c2", "x", "x", units[u], ch, 2, k, 0, k / 2, 1, bias, h, len);
                b.line("x = torch.relu(x + r)");
                b.tap(q);
            }
            b.line("x = torch.max_pool2d(x, [2, 2], [2, 2]).squeeze(2)");
            len /= 2;
            in = ch;
            continue;
        }
        b.conv1d(p + "_entry", in, ch, ek, ek / 2, len, bias); // linear entry conv
        b.tap(p + "_entry");
        for (size_t u = 0; u < units.size(); u++) {
            const std::string q = p + "_u" + std::to_string(u);
            b.line("r = x");
            b.conv1d(q + "_c1", ch, units[u], k, k / 2, len, bias);
            b.line("x = torch.relu(x)");
            b.tap(q + ".inner");
            b.conv1d(q + "_c2", units[u], ch, k, k / 2, len, bias);
            b.line("x = torch.relu(x + r)");
            b.tap(q);
        }
        b.line("x = torch.max_pool1d(x, [2], [2])");
        len /= 2;
        in = ch;
    }
    const int hidden = spec_int(s, "hidden");
    const double drop = spec_double(s, "dropout", 0.0);
    // The authors' head has no activation between its two linear layers.
    const std::string act = spec_bool(s, "head_relu", true) ? "torch.relu(x)" : "x";
    b.line("x = torch.flatten(x, 1)");
    b.linear("fc1", "x", in * len, hidden);
    b.line("x = torch.dropout(" + act + ", " + std::to_string(drop) + ", self.training)");
    return hidden;
}

int build_resnet(builder& b, const json& s, size_t L)
{
    const int stem = spec_int(s, "stem");
    if (!s.contains("stages") || !s["stages"].is_array() || s["stages"].empty())
        bad_spec("resnet needs a non-empty 'stages' list");
    int h = 2, w = static_cast<int>(L);
    b.line("x = x.unsqueeze(1)");
    b.conv2d("stem", "x", "x", 1, stem, 3, 3, 1, 1, 1, false, h, w);
    b.batch_norm("stem_bn", "x", stem, h, w);
    b.line("x = torch.relu(x)");
    b.tap("stem");
    int in = stem;
    for (size_t si = 0; si < s["stages"].size(); si++) {
        const json& st = s["stages"][si];
        const int ch = spec_int(st, "channels"), stride = spec_int(st, "stride");
        if (stride > 2)
            bad_spec("resnet stage stride must be 1 or 2");
        auto blocks = spec_int_list(st, "blocks");
        if (blocks.empty())
            bad_spec("every resnet stage needs at least one block");
        for (size_t bi = 0; bi < blocks.size(); bi++) {
            const std::string p = "l" + std::to_string(si) + "_b" + std::to_string(bi);
            const int st_b = bi == 0 ? stride : 1;
            int h1 = h, w1 = w;
            b.conv2d(
                p + "_c1", "x", "y", in, blocks[bi], 3, 3, 1, 1, st_b, false, h1, w1);
            b.batch_norm(p + "_bn1", "y", blocks[bi], h1, w1);
            b.line("y = torch.relu(y)");
            b.tap(p + ".inner", "y");
            int h2 = h1, w2 = w1;
            b.conv2d(p + "_c2", "y", "y", blocks[bi], ch, 3, 3, 1, 1, 1, false, h2, w2);
            b.batch_norm(p + "_bn2", "y", ch, h2, w2);
            // Parameter-free shortcut (option A): subsample, then zero-pad or
            // slice channels to the block's output width.
            std::string sc = "x";
            if (st_b != 1)
                sc = "x[:, :, ::2, ::2]";
            if (ch > in)
                sc = "torch.constant_pad_nd(" + sc + ", [0, 0, 0, 0, 0, " +
                     std::to_string(ch - in) + "], 0.0)";
            else if (ch < in)
                sc = sc + "[:, :" + std::to_string(ch) + "]";
            b.line("x = torch.relu(y + " + sc + ")");
            b.tap(p);
            h = h2;
            w = w2;
            in = ch;
        }
    }
    b.line("x = torch.mean(x, [2, 3])"); // global average pool
    return in;
}

int build_cnn2d(builder& b, const json& s, size_t L)
{
    if (!s.contains("convs") || !s["convs"].is_array() || s["convs"].empty())
        bad_spec("cnn2d needs a non-empty 'convs' list");
    const double drop = spec_double(s, "dropout", 0.0);
    const std::string dropout =
        "x = torch.dropout(torch.relu(x), " + std::to_string(drop) + ", self.training)";
    int h = 2, w = static_cast<int>(L), in = 1;
    b.line("x = x.unsqueeze(1)");
    for (size_t i = 0; i < s["convs"].size(); i++) {
        const json& c = s["convs"][i];
        auto k = spec_int_list(c, "kernel");
        if (k.size() != 2)
            bad_spec("cnn2d kernel must be [h, w]");
        std::vector<int> pad = { 0, 0 };
        if (c.contains("pad")) {
            pad.clear();
            for (const auto& p : c["pad"])
                pad.push_back(p.get<int>());
            if (pad.size() != 2 || pad[0] < 0 || pad[1] < 0)
                bad_spec("cnn2d pad must be [h, w] >= 0");
        }
        const int ch = spec_int(c, "channels");
        if (h + 2 * pad[0] < k[0] || w + 2 * pad[1] < k[1])
            throw input_error("frame length " + std::to_string(L) +
                              " is too short for cnn2d's kernels");
        b.conv2d("c" + std::to_string(i),
                 "x",
                 "x",
                 in,
                 ch,
                 k[0],
                 k[1],
                 pad[0],
                 pad[1],
                 1,
                 true,
                 h,
                 w);
        b.line(dropout);
        in = ch;
    }
    const int hidden = spec_int(s, "hidden");
    b.line("x = torch.flatten(x, 1)");
    b.linear("fc1", "x", in * h * w, hidden);
    b.line(dropout);
    return hidden;
}

int build_lstm(builder& b, const json& s, size_t L)
{
    const int hidden = spec_int(s, "hidden"), layers = spec_int(s, "layers");
    const std::string input = s.value("input", "ap");
    if (input == "ap") // amplitude and phase/pi per sample
        b.line("x = torch.stack([torch.sqrt(x[:, 0] * x[:, 0] + x[:, 1] * x[:, 1]), "
               "torch.atan2(x[:, 1], x[:, 0]) / 3.141592653589793], 2)");
    else if (input == "iq")
        b.line("x = x.transpose(1, 2)");
    else
        bad_spec("lstm 'input' must be 'ap' or 'iq'");
    std::string plist;
    int in = 2;
    for (int l = 0; l < layers; l++) {
        const std::string p = "lstm" + std::to_string(l);
        b.param(p + "_wih", uniform({ 4 * hidden, in }, hidden));
        b.param(p + "_whh", uniform({ 4 * hidden, hidden }, hidden));
        b.param(p + "_bih", uniform({ 4 * hidden }, hidden));
        b.param(p + "_bhh", uniform({ 4 * hidden }, hidden));
        for (auto t : { "_wih", "_whh", "_bih", "_bhh" })
            plist += (plist.empty() ? "self." : ", self.") + p + t;
        b.flops += double(L) * 4 * hidden * (in + hidden);
        in = hidden;
    }
    b.line("h0 = torch.zeros([" + std::to_string(layers) + ", x.size(0), " +
           std::to_string(hidden) + "], dtype=x.dtype, device=x.device)");
    b.line("out, hn, cn = torch.lstm(x, [h0, h0], [" + plist + "], True, " +
           std::to_string(layers) + ", 0.0, self.training, False, True)");
    b.line("x = out[:, -1]");
    return hidden;
}

using arch_fn = int (*)(builder&, const json&, size_t);

//! The builder of a line of architectures.def.
arch_fn arch_builder(const std::string& arch)
{
    static const std::pair<const char*, arch_fn> table[] = {
#define AMR_ARCH(name, ...) { #name, build_##name },
#include "architectures.def"
#undef AMR_ARCH
    };
    return find_arch(table, arch, "model spec: unknown arch '" + arch + "'");
}

void set_attributes(torch::jit::Module& m, const model_info& info)
{
    auto set = [&](const std::string& name, const c10::TypePtr& t, c10::IValue v) {
        if (m.hasattr(name))
            m.setattr(name, v);
        else
            m.register_attribute(name, t, v);
    };
    set("amr_format", c10::StringType::get(), std::string("gr-amrcompress model 1"));
    set("arch", c10::StringType::get(), info.arch);
    set("spec", c10::StringType::get(), info.spec);
    set("classes", c10::ListType::ofStrings(), c10::List<std::string>(info.classes));
    set("frame_length", c10::IntType::get(), int64_t(info.frame_length));
    set("normalisation", c10::StringType::get(), info.normalisation);
    set("input_layout", c10::StringType::get(), info.input_layout);
}

} // namespace

built_model build(const json& spec,
                  const std::vector<std::string>& classes,
                  size_t frame_length,
                  const std::string& normalisation)
{
    if (classes.size() < 2)
        throw input_error("a classifier needs at least two classes");
    if (frame_length < 8)
        throw input_error("frame length " + std::to_string(frame_length) +
                          " is too short");
    if (!spec.is_object() || !spec.contains("arch") || !spec["arch"].is_string())
        bad_spec("must be a JSON object with an 'arch'");
    const std::string arch = spec["arch"];

    built_model out{ torch::jit::Module("amr_" + arch), {} };
    torch::jit::Module& m = out.module;
    m.register_attribute("training", c10::BoolType::get(), true);
    // L1-normalised frames (sum |x| = 1, as RML2016.10a) have mean |x| = 1/L:
    // next to PyTorch's default bias initialisation that scale starves the
    // ReLUs and networks without BatchNorm never start learning (measured:
    // CNN1D stays at chance in C++ and in eager PyTorch alike). The model
    // therefore scales its input by a fixed gain, part of its contract.
    const double gain = normalisation == "l1" ? double(frame_length) : 1.0;
    m.register_buffer("input_gain", torch::tensor(gain, torch::kFloat32));
    builder b(m);
    b.line("x = x * self.input_gain");
    int emb = 0;
    try {
        emb = arch_builder(arch)(b, spec, frame_length);
    } catch (const json::exception& e) {
        bad_spec(e.what());
    }
    const int C = static_cast<int>(classes.size());
    b.param("head_w", uniform({ C, emb }, emb));
    b.param("head_b", uniform({ C }, emb));
    b.flops += double(emb) * C;

    std::string src =
        "def features(self, x):\n" + b.code.str() + "    return x\n" +
        "def forward(self, x):\n"
        "    return torch.linear(self.features(x), self.head_w, self.head_b)\n" +
        "def taps(self, x) -> List[Tensor]:\n" + "    t: List[Tensor] = []\n" +
        b.taps.str() + "    return t\n";
    m.define(src);

    model_info& info = out.info;
    info.arch = arch;
    info.spec = spec.dump();
    info.classes = classes;
    info.frame_length = frame_length;
    info.normalisation = normalisation;
    info.flops = b.flops;
    info.embedding_dim = emb;
    out.tap_names = b.tap_names;
    for (const auto& p : m.parameters())
        info.params += p.numel();
    set_attributes(m, info);
    return out;
}

void save(torch::jit::Module& m, const model_info& info, const std::string& path)
{
    set_attributes(m, info);
    torch::jit::ExtraFilesMap extra{ { META_FILE, info.to_json() } };
    const std::string tmp = path + ".partial";
    try {
        m.save(tmp, extra);
    } catch (const c10::Error& e) {
        throw input_error(
            path, std::string("cannot save model: ") + e.what_without_backtrace());
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
        throw input_error(path, "cannot move the saved model into place");
}

built_model load(const std::string& path)
{
    if (!std::ifstream(path).good())
        throw input_error(path, "cannot open model file");
    built_model out;
    torch::jit::ExtraFilesMap extra{ { META_FILE, "" } };
    try {
        out.module = torch::jit::load(path, c10::kCPU, extra);
    } catch (const c10::Error& e) {
        throw input_error(path,
                          std::string("not a TorchScript model file (") +
                              e.what_without_backtrace() + ")");
    }
    out.info = parse_model_meta(extra[META_FILE], path); // as read_model_info reads it
    return out;
}

built_model load_fitting(const std::string& path, const dataset_info& data)
{
    auto bm = load(path);
    check_fits(bm.info, data.classes, data.frame_length, path);
    return bm;
}

} // namespace model

model_info describe_model(const std::string& spec_or_arch,
                          const std::vector<std::string>& classes,
                          size_t frame_length)
{
    torch::NoGradGuard ng;
    return model::build(model::resolve_spec(spec_or_arch), classes, frame_length, "l1")
        .info;
}

// read_model_info (without LibTorch): lib/model/model_meta.cc.

} // namespace amrcompress
} // namespace gr
