/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A spec's graph (lib/model/net_graph.h, one architecture file each) is
 * turned into straight-line TorchScript source (methods `features`,
 * `forward` and `taps`) plus registered parameters and buffers, so the same
 * module trains in C++ with autograd and loads in Python with
 * torch.jit.load. FLOPs are counted while the code is generated, with thop's
 * conventions (conv and linear multiply-accumulates at batch 1).
 */
#include "../util/atomic_file.h"
#include "model_meta.h"
#include "model_specs.h"
#include "net_graph.h"
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

// PyTorch's default initialisation: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for
// weights (kaiming_uniform with a = sqrt(5)) and biases.
torch::Tensor uniform(std::vector<int64_t> shape, double fan_in)
{
    double b = 1.0 / std::sqrt(fan_in);
    return torch::empty(shape).uniform_(-b, b);
}

std::string ints(const std::vector<int64_t>& v)
{
    std::string out = "[";
    for (size_t i = 0; i < v.size(); i++)
        out += (i ? ", " : "") + std::to_string(v[i]);
    return out + "]";
}

int64_t elements(const act_shape& s)
{
    int64_t n = 1;
    for (auto d : s)
        n *= d;
    return n;
}

/*!
 * Turns the ops of a training graph into TorchScript lines over the same
 * activation names, registering each op's parameters (in graph order, so a
 * seeded build draws the same weights) and counting thop's FLOPs.
 */
class emitter
{
public:
    emitter(torch::jit::Module& m, const net_graph& g, double gain)
        : m(m), g(g), gain(gain)
    {
    }

    std::ostringstream code; // body of features(self, x)
    std::ostringstream taps; // the same body, collecting the tapped activations
    std::vector<std::string> tap_names;
    double flops = 0;

    std::string var(const std::string& a) const { return a == g.input ? "x" : a; }

    void emit(const net_op& op)
    {
        const std::string src = var(op.src), dst = var(op.dst);
        const act_shape& in = g.shape_of(op.src);
        const size_t rank = in.size(); // without the batch
        switch (op.kind) {
        case net_op::scale:
            m.register_buffer(op.weight, torch::tensor(gain, torch::kFloat32));
            line(dst + " = " + src + " * self." + op.weight);
            break;
        case net_op::unsqueeze:
            line(dst + " = " + src + ".unsqueeze(1)");
            break;
        case net_op::squeeze:
            line(dst + " = " + src + ".squeeze(2)");
            break;
        case net_op::conv: {
            const double fan_in = double(op.in / op.groups) * elements(op.kernel);
            std::vector<int64_t> w = { op.out, op.in / op.groups };
            w.insert(w.end(), op.kernel.begin(), op.kernel.end());
            param(op.weight, uniform(w, fan_in));
            if (!op.bias.empty())
                param(op.bias, uniform({ op.out }, fan_in));
            flops += double(elements(op.out_shape)) * fan_in;
            line(dst + " = torch.conv" + std::to_string(op.kernel.size()) + "d(" + src +
                 ", self." + op.weight + ", " +
                 (op.bias.empty() ? "None" : "self." + op.bias) + ", " + ints(op.stride) +
                 ", " + ints(op.pad) + ", " +
                 ints(std::vector<int64_t>(op.kernel.size(), 1)) + ", " +
                 std::to_string(op.groups) + ")");
            break;
        }
        case net_op::batch_norm: {
            const int64_t ch = in[0];
            flops += 4.0 * elements(in); // thop: an affine BatchNorm, 4 per element
            param(op.weight, torch::ones({ ch }));
            param(op.bias, torch::zeros({ ch }));
            m.register_buffer(op.mean, torch::zeros({ ch }));
            m.register_buffer(op.var, torch::ones({ ch }));
            line(dst + " = torch.batch_norm(" + src + ", self." + op.weight + ", self." +
                 op.bias + ", self." + op.mean + ", self." + op.var +
                 ", self.training, 0.1, 1e-05, False)");
            break;
        }
        case net_op::relu:
            line(dst + " = torch.relu(" + src + ")");
            break;
        case net_op::add_relu:
            line(dst + " = torch.relu(" + src + " + " + var(op.src2) + ")");
            break;
        case net_op::gelu:
            line(dst + " = torch.gelu(" + src + ")");
            break;
        case net_op::add:
            line(dst + " = " + src + " + " + var(op.src2));
            break;
        case net_op::channel_scale:
            param(op.weight, torch::ones({ in[0], 1 }));
            line(dst + " = " + src + " * self." + op.weight);
            break;
        case net_op::concat:
            line(dst + " = torch.cat([" + src + ", " + var(op.src2) + "], 1)");
            break;
        case net_op::stft:
            emit_stft(op, src, dst);
            break;
        case net_op::additive_attention:
            emit_attention(op, src, dst);
            break;
        case net_op::max_pool:
            line(dst + " = torch.max_pool" + std::to_string(op.kernel.size()) + "d(" +
                 src + ", " + ints(op.kernel) + ", " + ints(op.stride) +
                 (op.pad.empty() ? "" : ", " + ints(op.pad)) + ")");
            break;
        case net_op::subsample: {
            std::string sl = "[:, :";
            for (auto s : op.stride)
                sl += ", ::" + std::to_string(s);
            line(dst + " = " + src + sl + "]");
            break;
        }
        case net_op::pad_channels:
            if (op.out > op.in) { // constant_pad_nd pads the last dims first
                std::vector<int64_t> pad(2 * (rank - 1), 0);
                pad.insert(pad.end(), { 0, op.out - op.in });
                line(dst + " = torch.constant_pad_nd(" + src + ", " + ints(pad) +
                     ", 0.0)");
            } else {
                line(dst + " = " + src + "[:, :" + std::to_string(op.out) + "]");
            }
            break;
        case net_op::global_avg: {
            std::vector<int64_t> dims;
            for (size_t d = 2; d <= rank; d++)
                dims.push_back(int64_t(d));
            line(dst + " = torch.mean(" + src + ", " + ints(dims) + ")");
            break;
        }
        case net_op::flatten:
            line(dst + " = torch.flatten(" + src + ", 1)");
            break;
        case net_op::linear:
            param(op.weight, uniform({ op.out, op.in }, double(op.in)));
            param(op.bias, uniform({ op.out }, double(op.in)));
            flops += double(op.in) * op.out;
            line(dst + " = torch.linear(" + src + ", self." + op.weight + ", self." +
                 op.bias + ")");
            break;
        case net_op::dropout:
            line(dst + " = torch.dropout(" + src + ", " + std::to_string(op.rate) +
                 ", self.training)");
            break;
        case net_op::lstm:
            emit_lstm(op, src, dst);
            break;
        case net_op::s2m:
            emit_s2m(op, src, dst);
            break;
        }
        if (!op.tap.empty()) {
            taps << "    t.append(" << dst << ")\n";
            tap_names.push_back(op.tap);
        }
    }

private:
    torch::jit::Module& m;
    const net_graph& g;
    double gain;

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

    /*!
     * SigNet's signal-to-matrix as the FCOS authors define it (their
     * model_signal/signet.py, class Filter): at every sample t, window j
     * (j = 0, 1) holds k consecutive entries of (0.., I_t, Q_t, ..0), the
     * frame's I/Q pair zero-padded by k/2; channel j of the output is the
     * bilinear form M_j[t, s] = w_t^T F_j w_s of two samples' windows with the
     * learnable k x k filter F_j. thop does not count it (a matmul, not a
     * module); here it adds 2 L k (k + L) MACs, 0.1 M at L = 128.
     */
    void emit_s2m(const net_op& op, const std::string& src, const std::string& dst)
    {
        const int64_t k = op.kernel[0], L = g.shape_of(op.src)[1];
        torch::Tensor f = torch::randn({ 1, 2, k, k }); // as theirs: standard normal
        param(op.weight, f);
        flops += 2.0 * L * k * (k + L);
        const std::string p = dst + "_pad", w = dst + "_win";
        line(p + " = torch.constant_pad_nd(" + src + ".transpose(1, 2), " +
             ints({ k / 2, k / 2 }) + ", 0.0)");
        std::string windows;
        for (int64_t i = 0; i < k; i++)
            windows += (i ? ", " : "") + p + "[:, :, " + std::to_string(i) + ":" +
                       std::to_string(i + 2) + "]";
        line(w + " = torch.stack([" + windows + "], 3).permute(0, 2, 1, 3)");
        line(dst + " = torch.matmul(torch.matmul(" + w + ", self." + op.weight + "), " +
             w + ".transpose(2, 3))");
    }

    void emit_lstm(const net_op& op, const std::string& src, const std::string& dst)
    {
        const std::string seq = dst + "_seq", h0 = dst + "_h0";
        if (op.mode == "ap") // amplitude and phase/pi per sample
            line(seq + " = torch.stack([torch.sqrt(" + src + "[:, 0] * " + src +
                 "[:, 0] + " + src + "[:, 1] * " + src + "[:, 1]), torch.atan2(" + src +
                 "[:, 1], " + src + "[:, 0]) / 3.141592653589793], 2)");
        else // [B, C, T] -> [B, T, C]
            line(seq + " = " + src + ".transpose(1, 2)");
        const int64_t h = op.out, steps = g.shape_of(op.src).back();
        const int64_t dirs = op.bidirectional ? 2 : 1;
        std::string plist;
        int64_t in = op.in;
        for (int64_t l = 0; l < op.layers; l++) {
            for (int64_t d = 0; d < dirs; d++) {
                const std::string p = op.weight + std::to_string(l), r = d ? "_rev" : "";
                for (const char* t : { "_wih", "_whh", "_bih", "_bhh" }) {
                    const std::string n = p + t + r;
                    const bool w = t[1] == 'w';
                    param(n,
                          uniform(w ? std::vector<int64_t>{ 4 * h, t[2] == 'i' ? in : h }
                                    : std::vector<int64_t>{ 4 * h },
                                  double(h)));
                    plist += (plist.empty() ? "self." : ", self.") + n;
                }
                flops += double(steps) * 4 * h * (in + h);
            }
            in = dirs * h;
        }
        line(h0 + " = torch.zeros([" + std::to_string(op.layers * dirs) + ", " + seq +
             ".size(0), " + std::to_string(h) + "], dtype=" + seq +
             ".dtype, device=" + seq + ".device)");
        line(dst + "_out, " + dst + "_hn, " + dst + "_cn = torch.lstm(" + seq + ", [" +
             h0 + ", " + h0 + "], [" + plist + "], True, " + std::to_string(op.layers) +
             ", " + std::to_string(op.rate) + ", self.training, " +
             (op.bidirectional ? "True" : "False") + ", True)");
        if (op.mode == "seq")
            line(dst + " = " + dst + "_out.transpose(1, 2)");
        else
            line(dst + " = " + dst + "_out[:, -1]");
    }

    /*!
     * IQFormer's input STFT as its authors compute it before the model
     * (their dataset.py: scipy.signal.stft of the I row with a 31-sample
     * Blackman window, hop 1, nfft 128, the first 32 bins; torch.Tensor()
     * keeps the real part). SciPy's stft pads the frame by window/2 zeros at
     * both ends, so frame t is centred on sample t, and scales by
     * 1 / sum(window).
     */
    void emit_stft(const net_op& op, const std::string& src, const std::string& dst)
    {
        const int64_t w = op.kernel[0], nfft = op.stride[0], bins = op.out;
        // SciPy's periodic Blackman window (get_window's default).
        torch::Tensor win = torch::empty({ w }, torch::kFloat64);
        double sum = 0;
        for (int64_t n = 0; n < w; n++) {
            const double a = 2 * M_PI * double(n) / double(w);
            win[n] = 0.42 - 0.5 * std::cos(a) + 0.08 * std::cos(2 * a);
            sum += win[n].item<double>();
        }
        m.register_buffer(op.weight, (win / sum).to(torch::kFloat32));
        const std::string f = dst + "_frames";
        line(f + " = torch.constant_pad_nd(" + src + "[:, 0], " + ints({ w / 2, w / 2 }) +
             ", 0.0).unfold(1, " + std::to_string(w) + ", 1) * self." + op.weight);
        line(dst + " = torch.real(torch.fft_rfft(" + f + ", " + std::to_string(nfft) +
             ", -1, None))[:, :, :" + std::to_string(bins) +
             "].transpose(1, 2).unsqueeze(1).contiguous()");
        flops += double(g.shape_of(op.src).back()) * w * bins; // as a DFT of `bins` rows
    }

    /*!
     * IQFormer's efficient additive attention (its authors' class
     * EfficientAdditiveAttnetion, one head): tokens x^T [T, C]; q, k =
     * linear maps to `token` dims, each row L2-normalised; a = q w_g /
     * sqrt(token), normalised over the T tokens; g = sum_t a_t q_t;
     * out = final(proj(g * k) + q), back to [C, T].
     */
    void emit_attention(const net_op& op, const std::string& src, const std::string& dst)
    {
        const std::string n = op.weight, x = dst + "_x";
        const int64_t c = op.in, d = op.out, T = g.shape_of(op.src).back();
        for (const char* t : { "_q", "_k" }) {
            param(n + t + "_w", uniform({ d, c }, double(c)));
            param(n + t + "_b", uniform({ d }, double(c)));
        }
        param(n + "_wg", torch::randn({ d, 1 }));
        param(n + "_proj_w", uniform({ d, d }, double(d)));
        param(n + "_proj_b", uniform({ d }, double(d)));
        param(n + "_final_w", uniform({ c, d }, double(d)));
        param(n + "_final_b", uniform({ c }, double(d)));
        flops += double(T) * (2.0 * c * d + d + d * d + d * c);
        auto unit = [](const std::string& v, int dim) {
            return v + " / torch.clamp_min(torch.sqrt(torch.sum(" + v + " * " + v +
                   ", [" + std::to_string(dim) + "], True)), 1e-12)";
        };
        line(x + " = " + src + ".transpose(1, 2)");
        for (const char* t : { "_q", "_k" }) {
            const std::string v = dst + t;
            line(v + " = torch.linear(" + x + ", self." + n + t + "_w, self." + n + t +
                 "_b)");
            line(v + " = " + unit(v, 2));
        }
        line(dst + "_a = torch.matmul(" + dst + "_q, self." + n + "_wg) * " +
             std::to_string(1.0 / std::sqrt(double(d))));
        line(dst + "_a = " + unit(dst + "_a", 1));
        line(dst + "_g = torch.sum(" + dst + "_a * " + dst + "_q, [1], True)");
        line(dst + " = torch.linear(torch.linear(" + dst + "_g * " + dst + "_k, self." +
             n + "_proj_w, self." + n + "_proj_b) + " + dst + "_q, self." + n +
             "_final_w, self." + n + "_final_b).transpose(1, 2)");
    }
};

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
    const net_graph g = build_net_graph(spec, classes.size(), frame_length, true);
    const std::string& arch = g.arch;
    built_model out{ torch::jit::Module("amr_" + arch), {} };
    torch::jit::Module& m = out.module;
    m.register_attribute("training", c10::BoolType::get(), true);
    // L1-normalised frames (sum |x| = 1, as RML2016.10a) have mean |x| = 1/L:
    // next to PyTorch's default bias initialisation that scale starves the
    // ReLUs and networks without BatchNorm never start learning (measured:
    // CNN1D stays at chance in C++ and in eager PyTorch alike). The model
    // therefore scales its input by a fixed gain, part of its contract.
    const double gain = normalisation == "l1" ? double(frame_length) : 1.0;
    emitter e(m, g, gain);
    // Every op but the head makes features(); forward() adds the head.
    const net_op& head = g.ops.back();
    for (size_t i = 0; i + 1 < g.ops.size(); i++)
        e.emit(g.ops[i]);
    const int64_t emb = head.in;
    {
        emitter h(m, g, gain);
        h.emit(head); // registers head_w, head_b last
        e.flops += h.flops;
    }
    std::string src = "def features(self, x):\n" + e.code.str() + "    return " +
                      e.var(head.src) + "\n" +
                      "def forward(self, x):\n"
                      "    return torch.linear(self.features(x), self." +
                      head.weight + ", self." + head.bias + ")\n" +
                      "def taps(self, x) -> List[Tensor]:\n" +
                      "    t: List[Tensor] = []\n" + e.taps.str() + "    return t\n";
    m.define(src);

    model_info& info = out.info;
    info.arch = arch;
    info.spec = spec.dump();
    info.classes = classes;
    info.frame_length = frame_length;
    info.normalisation = normalisation;
    info.flops = e.flops;
    info.embedding_dim = int(emb);
    out.tap_names = e.tap_names;
    for (const auto& p : m.parameters())
        info.params += p.numel();
    set_attributes(m, info);
    return out;
}

void save(torch::jit::Module& m, const model_info& info, const std::string& path)
{
    set_attributes(m, info);
    torch::jit::ExtraFilesMap extra{ { META_FILE, info.to_json() } };
    atomic_file out(path);
    try {
        m.save(out.temp_path(), extra);
    } catch (const c10::Error& e) {
        throw input_error(
            path, std::string("cannot save model: ") + e.what_without_backtrace());
    }
    out.commit();
}

built_model load(const std::string& path)
{
    // Our own bounded reader goes first (a regular file, a sound zip, sane
    // record sizes, metadata): LibTorch's loader trusts the archive. Its
    // metadata is the model's: LibTorch need not extract it again.
    built_model out;
    out.info = read_model_info(path);
    try {
        out.module = torch::jit::load(path, c10::kCPU);
    } catch (const c10::Error& e) {
        throw input_error(path,
                          std::string("not a TorchScript model file (") +
                              e.what_without_backtrace() + ")");
    } catch (const std::exception& e) {
        const std::string m = e.what();
        throw input_error(
            path, "not a loadable TorchScript model (" + m.substr(0, m.find('\n')) + ")");
    }
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
