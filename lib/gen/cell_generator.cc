/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One (class, SNR) cell: a GNU Radio flowgraph transmitter -> channel ->
 * sink makes a noiseless burst; windows are cut from it at random strides,
 * and calibrated AWGN is added per window (see docs/generator.md for why the
 * noise is added here rather than inside the channel block).
 */
#include "dynamic_channel_model_decl.h"
#include "seeds.h"
#include "transmitters.h"
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/generator.h>
#include <gnuradio/blocks/head.h>
#include <gnuradio/blocks/vector_sink.h>
#include <gnuradio/top_block.h>
#include <cmath>
#include <random>

namespace gr {
namespace amrcompress {

namespace {

std::vector<size_t> window_starts(const generator_config& cfg, uint64_t seed)
{
    // Skip filter and fading transients, then windows at random strides of
    // 1..1 + window_gap frame lengths (RML2016 style: 1..3; the original:
    // 50..500 start, strides up to 5 % of a burst; we keep bursts short and
    // cells independent instead).
    std::mt19937_64 rng(seed);
    const size_t L = cfg.frame_length;
    const size_t gap = static_cast<size_t>(std::llround(cfg.window_gap * double(L)));
    std::uniform_int_distribution<size_t> start(512, 1023), stride(L, L + gap);
    std::vector<size_t> w(cfg.frames_per_cell);
    size_t pos = start(rng);
    for (auto& s : w) {
        s = pos;
        pos += stride(rng);
    }
    return w;
}

std::vector<gr_complex>
run_burst(const generator_config& cfg, const std::string& cls, int snr, size_t n)
{
    gen::transmitter_params p;
    p.sample_rate = cfg.sample_rate;
    p.sps = cfg.samples_per_symbol;
    p.bits_seed = gen::cell_seed(cfg.seed, cls, snr, gen::stream::bits);
    p.audio_seed = gen::cell_seed(cfg.seed, cls, snr, gen::stream::audio);
    auto chain = gen::make_transmitter(cls, n, p);

    auto tb = gr::make_top_block("amr_gen_" + cls);
    for (size_t i = 1; i < chain.size(); i++)
        tb->connect(chain[i - 1], 0, chain[i], 0);
    basic_block_sptr last = chain.back();
    if (cfg.channel == "rml2016") {
        // The original's parameters (REFERENCE §2) with noise off: noise is
        // added per window with a calibrated power. A seed per cell fixes the
        // original's reuse of one seed for every run.
        double seed = static_cast<double>(
            gen::cell_seed(cfg.seed, cls, snr, gen::stream::channel) & 0x7fffffff);
        auto ch = channels::dynamic_channel_model::make(cfg.sample_rate,
                                                        0.01,
                                                        50,
                                                        0.01,
                                                        0.5e3,
                                                        8,
                                                        1.0,
                                                        true,
                                                        4.0f,
                                                        { 0.0f, 0.9f, 1.7f },
                                                        { 1.0f, 0.8f, 0.3f },
                                                        8,
                                                        0.0,
                                                        seed);
        tb->connect(last, 0, ch, 0);
        last = ch;
    }
    auto head = blocks::head::make(sizeof(gr_complex), n);
    auto sink = blocks::vector_sink_c::make(1, static_cast<int>(n));
    tb->connect(last, 0, head, 0);
    tb->connect(head, 0, sink, 0);
    tb->run();
    auto data = sink->data();
    if (data.size() < n)
        throw std::runtime_error("generator: transmitter for " + cls + " produced " +
                                 std::to_string(data.size()) + " of " +
                                 std::to_string(n) + " samples");
    return data;
}

} // namespace

generated_cell generate_cell(const generator_config& cfg,
                             size_t class_index,
                             size_t snr_index,
                             bool keep_components)
{
    if (class_index >= cfg.classes.size() || snr_index >= cfg.snrs_db.size())
        throw input_error("generator: cell index out of range");
    const std::string& cls = cfg.classes[class_index];
    const int snr = cfg.snrs_db[snr_index];
    const size_t L = cfg.frame_length, F = cfg.frames_per_cell;

    auto starts =
        window_starts(cfg, gen::cell_seed(cfg.seed, cls, snr, gen::stream::windows));
    const size_t n = starts.back() + L;
    auto y = run_burst(cfg, cls, snr, n);

    // SNR reference: mean received (post-channel, noiseless) power over the
    // part of the burst the windows span.
    double p = 0;
    for (size_t i = starts.front(); i < n; i++)
        p += std::norm(y[i]);
    p /= double(n - starts.front());
    if (!(p > 0) || !std::isfinite(p))
        throw std::runtime_error("generator: " + cls + " burst has no usable power");
    const float sig_scale = static_cast<float>(1.0 / std::sqrt(p));
    const float noise_std =
        static_cast<float>(std::sqrt(std::pow(10.0, -snr / 10.0) / 2));

    std::mt19937_64 rng(gen::cell_seed(cfg.seed, cls, snr, gen::stream::noise));
    std::normal_distribution<float> gauss(0.0f, 1.0f);

    generated_cell out;
    frame_block& b = out.frames;
    b.frame_length = L;
    b.iq.resize(F * L * 2);
    b.labels.assign(F, static_cast<int32_t>(class_index));
    b.snr_db.assign(F, static_cast<float>(snr));
    b.capture_time.resize(F);
    b.capture_id.resize(F);
    if (keep_components) {
        out.signal.resize(F * L * 2);
        out.noise.resize(F * L * 2);
    }
    std::vector<float> s(L * 2), w(L * 2);
    for (size_t f = 0; f < F; f++) {
        float* x = b.frame(f);
        double l1 = 0, e = 0;
        for (size_t i = 0; i < L; i++) {
            gr_complex v = y[starts[f] + i] * sig_scale;
            s[2 * i] = v.real();
            s[2 * i + 1] = v.imag();
            w[2 * i] = noise_std * gauss(rng);
            w[2 * i + 1] = noise_std * gauss(rng);
            x[2 * i] = s[2 * i] + w[2 * i];
            x[2 * i + 1] = s[2 * i + 1] + w[2 * i + 1];
            double m2 = double(x[2 * i]) * x[2 * i] + double(x[2 * i + 1]) * x[2 * i + 1];
            l1 += std::sqrt(m2);
            e += m2;
        }
        // Per-frame normalisation; "l1" is what RML2016.10a did (x / sum|x|).
        double g = 1.0;
        if (cfg.normalisation == "l1")
            g = l1 > 0 ? 1.0 / l1 : 1.0;
        else if (cfg.normalisation == "power")
            g = e > 0 ? 1.0 / std::sqrt(e / L) : 1.0;
        const float gf = static_cast<float>(g);
        for (size_t i = 0; i < 2 * L; i++)
            x[i] *= gf;
        if (keep_components)
            for (size_t i = 0; i < 2 * L; i++) {
                out.signal[f * 2 * L + i] = s[i] * gf;
                out.noise[f * 2 * L + i] = w[i] * gf;
            }
        b.capture_time[f] = double(starts[f]) / cfg.sample_rate;
        b.capture_id[f] = generated_frame_id(cfg, class_index, snr_index, f);
    }
    return out;
}

} // namespace amrcompress
} // namespace gr
