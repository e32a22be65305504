/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "synthetic_audio.h"
#include "transmitters.h"
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/analog/cpfsk_bc.h>
#include <gnuradio/analog/frequency_modulator_fc.h>
#include <gnuradio/blocks/add_const_ff.h>
#include <gnuradio/blocks/float_to_complex.h>
#include <gnuradio/blocks/packed_to_unpacked.h>
#include <gnuradio/blocks/vector_sink.h>
#include <gnuradio/blocks/vector_source.h>
#include <gnuradio/digital/chunks_to_symbols.h>
#include <gnuradio/dtv/dvbs2_modulator_bc.h>
#include <gnuradio/filter/firdes.h>
#include <gnuradio/filter/hilbert_fc.h>
#include <gnuradio/filter/iir_filter_ffd.h>
#include <gnuradio/filter/interp_fir_filter.h>
#include <gnuradio/filter/pfb_arb_resampler_ccf.h>
#include <gnuradio/top_block.h>
#include <cmath>
#include <complex>
#include <map>
#include <random>

namespace gr {
namespace amrcompress {
namespace gen {

namespace {

using cplx = std::complex<float>;

// Unit-average-power constellations. Labels of random bits need no Gray code.
std::vector<cplx> psk(int m, double rot = 0.0)
{
    std::vector<cplx> pts;
    for (int k = 0; k < m; k++)
        pts.push_back(std::polar(1.0f, float(2 * M_PI * k / m + rot)));
    return pts;
}

std::vector<cplx> pam(int m)
{
    std::vector<cplx> pts;
    double e = (double(m) * m - 1) / 3.0;
    for (int k = 0; k < m; k++)
        pts.emplace_back(float((2 * k - m + 1) / std::sqrt(e)), 0.0f);
    return pts;
}

std::vector<cplx> qam(int m)
{
    int side = static_cast<int>(std::lround(std::sqrt(m)));
    double e = 2.0 * (double(side) * side - 1) / 3.0;
    std::vector<cplx> pts;
    for (int i = 0; i < side; i++)
        for (int q = 0; q < side; q++)
            pts.emplace_back(float((2 * i - side + 1) / std::sqrt(e)),
                             float((2 * q - side + 1) / std::sqrt(e)));
    return pts;
}

// Scaled to unit average power.
std::vector<cplx> unit_power(std::vector<cplx> pts)
{
    double e = 0;
    for (auto p : pts)
        e += std::norm(p);
    const float k = float(1.0 / std::sqrt(e / pts.size()));
    for (auto& p : pts)
        p *= k;
    return pts;
}

// Amplitude-shift keying as the name says: M non-negative amplitudes
// 0, 1, ..., M-1 (OOK is M = 2), unit average power.
std::vector<cplx> ask(int m)
{
    std::vector<cplx> pts;
    for (int k = 0; k < m; k++)
        pts.emplace_back(float(k), 0.0f);
    return unit_power(pts);
}

// Cross QAM (32 and 128 points): the square of side 6 or 12 without the
// 4 x (side/6)^2-point corners, as in common use (e.g. ITU-T V.32 bis).
std::vector<cplx> cross_qam(int m)
{
    const int side = m == 32 ? 6 : 12, corner = side / 6;
    std::vector<cplx> pts;
    for (int i = 0; i < side; i++)
        for (int q = 0; q < side; q++) {
            const bool edge_i = i < corner || i >= side - corner;
            const bool edge_q = q < corner || q >= side - corner;
            if (edge_i && edge_q)
                continue;
            pts.emplace_back(float(2 * i - side + 1), float(2 * q - side + 1));
        }
    return unit_power(pts);
}

/*
 * DVB-S2/S2X amplitude-and-phase-shift keying, as GNU Radio's own DVB-S2
 * modulator (gr-dtv, dvbs2_modulator_bc) maps symbols: its ring radii and
 * phases for the given code rate, read once by running it on every symbol
 * index. 16APSK 4+12 and 32APSK 4+12+16 at rate 3/4 (DVB-S2), 64APSK
 * 4+12+20+28 at 132/180 and 128APSK 16+16+16+16+16+48 at 135/180 (DVB-S2X).
 */
std::vector<cplx> dvbs2_apsk(dtv::dvb_constellation_t c, dtv::dvb_code_rate_t rate, int m)
{
    std::vector<uint8_t> idx(m);
    for (int k = 0; k < m; k++)
        idx[k] = uint8_t(k);
    auto tb = gr::make_top_block("apsk_table");
    auto src = blocks::vector_source_b::make(idx);
    auto mod = dtv::dvbs2_modulator_bc::make(
        dtv::FECFRAME_NORMAL, rate, c, dtv::INTERPOLATION_OFF);
    auto sink = blocks::vector_sink_c::make();
    tb->connect(src, 0, mod, 0);
    tb->connect(mod, 0, sink, 0);
    tb->run();
    auto pts = sink->data();
    if (pts.size() != size_t(m))
        throw std::runtime_error("gr-dtv's DVB-S2 modulator gave " +
                                 std::to_string(pts.size()) + " points for " +
                                 std::to_string(m) + "APSK");
    return unit_power(std::vector<cplx>(pts.begin(), pts.end()));
}

const std::map<std::string, std::vector<cplx>>& linear_constellations()
{
    static const std::map<std::string, std::vector<cplx>> c = {
        // RML2016.10a's names
        { "BPSK", psk(2) },
        { "QPSK", psk(4, M_PI / 4) },
        { "8PSK", psk(8) },
        { "PAM4", pam(4) },
        { "QAM16", qam(16) },
        { "QAM64", qam(64) },
        // RML2018.01a's
        { "OOK", ask(2) },
        { "4ASK", ask(4) },
        { "8ASK", ask(8) },
        { "16PSK", psk(16) },
        { "32PSK", psk(32) },
        { "16APSK", dvbs2_apsk(dtv::MOD_16APSK, dtv::C3_4, 16) },
        { "32APSK", dvbs2_apsk(dtv::MOD_32APSK, dtv::C3_4, 32) },
        { "64APSK", dvbs2_apsk(dtv::MOD_4_12_20_28APSK, dtv::C132_180, 64) },
        { "128APSK", dvbs2_apsk(dtv::MOD_128APSK, dtv::C135_180, 128) },
        { "16QAM", qam(16) },
        { "32QAM", cross_qam(32) },
        { "64QAM", qam(64) },
        { "128QAM", cross_qam(128) },
        { "256QAM", qam(256) },
    };
    return c;
}

std::vector<uint8_t> random_bytes(size_t n, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::vector<uint8_t> b(n);
    for (auto& v : b)
        v = static_cast<uint8_t>(rng() >> 56);
    return b;
}

int bits_per_symbol(size_t m) { return static_cast<int>(std::lround(std::log2(m))); }

// PSK/PAM/QAM: bits -> symbols -> RRC pulse shaping at sps (pfb_arb_resampler,
// 32 filters, 11 symbols per filter, alpha 0.35, as the original).
std::vector<basic_block_sptr>
linear(const std::vector<cplx>& pts, size_t n_out, const transmitter_params& p)
{
    const int k = bits_per_symbol(pts.size());
    const size_t symbols = n_out / p.sps + 256;
    const int nfilts = 32;
    auto taps = filter::firdes::root_raised_cosine(
        nfilts, nfilts, 1.0, 0.35, nfilts * 11 * p.sps);
    return {
        blocks::vector_source_b::make(random_bytes(symbols * k / 8 + 8, p.bits_seed)),
        blocks::packed_to_unpacked_bb::make(k, GR_MSB_FIRST),
        digital::chunks_to_symbols_bc::make(pts),
        filter::pfb_arb_resampler_ccf::make(p.sps, taps, nfilts),
    };
}

// Gaussian frequency shift keying: NRZ bits through a Gaussian filter of
// the given BT convolved with a rectangular pulse, then an FM modulator of
// the given sensitivity (radians per sample).
std::vector<basic_block_sptr>
gaussian_fsk(size_t n_out, const transmitter_params& p, double bt, float sensitivity)
{
    const size_t symbols = n_out / p.sps + 64;
    auto g = filter::firdes::gaussian(1.0, p.sps, bt, 4 * p.sps);
    std::vector<float> taps(g.size() + p.sps - 1, 0.0f);
    for (size_t i = 0; i < g.size(); i++)
        for (int j = 0; j < p.sps; j++)
            taps[i + j] += g[i];
    return {
        blocks::vector_source_b::make(random_bytes(symbols / 8 + 8, p.bits_seed)),
        blocks::packed_to_unpacked_bb::make(1, GR_MSB_FIRST),
        digital::chunks_to_symbols_bf::make({ -1.0f, 1.0f }),
        filter::interp_fir_filter_fff::make(p.sps, taps),
        analog::frequency_modulator_fc::make(sensitivity),
    };
}

// GFSK as digital.gfsk_mod(sps, sensitivity=0.1, bt=0.35).
std::vector<basic_block_sptr> gfsk(size_t n_out, const transmitter_params& p)
{
    return gaussian_fsk(n_out, p, 0.35, 0.1f);
}

// GMSK: MSK (modulation index 1/2) with a Gaussian filter of BT 0.3, as
// GNU Radio's digital.gmsk_mod builds it (sensitivity pi/2 per symbol).
std::vector<basic_block_sptr> gmsk(size_t n_out, const transmitter_params& p)
{
    return gaussian_fsk(n_out, p, 0.3, float(M_PI / 2 / p.sps));
}

/*
 * Offset QPSK: the Q rail half a symbol behind the I rail. Each 2-bit symbol
 * becomes two impulses half a symbol apart, I_n then j Q_n
 * (chunks_to_symbols with two outputs per symbol), shaped by the same RRC
 * (alpha 0.35) at sps / 2 per half symbol: each rail is RRC-shaped on its
 * own, Q delayed by T / 2.
 */
std::vector<basic_block_sptr> oqpsk(size_t n_out, const transmitter_params& p)
{
    const float a = float(1.0 / std::sqrt(2.0));
    // Symbol k = (b1 b0): I = b1 ? -a : a, Q = b0 ? -a : a.
    std::vector<cplx> table;
    for (int k = 0; k < 4; k++) {
        table.emplace_back((k & 2) ? -a : a, 0.0f);
        table.emplace_back(0.0f, (k & 1) ? -a : a);
    }
    const size_t symbols = n_out / p.sps + 256;
    const int nfilts = 32;
    // The resampler runs at 2 inputs per symbol: symbol rate 0.5 of its input.
    auto taps = filter::firdes::root_raised_cosine(
        nfilts, nfilts, 0.5, 0.35, nfilts * 11 * p.sps);
    return {
        blocks::vector_source_b::make(random_bytes(symbols * 2 / 8 + 8, p.bits_seed)),
        blocks::packed_to_unpacked_bb::make(2, GR_MSB_FIRST),
        digital::chunks_to_symbols_bc::make(table, 2),
        filter::pfb_arb_resampler_ccf::make(p.sps / 2.0f, taps, nfilts),
    };
}

// CPFSK as analog.cpfsk_bc(k=0.5, ampl=1, sps).
std::vector<basic_block_sptr> cpfsk(size_t n_out, const transmitter_params& p)
{
    const size_t symbols = n_out / p.sps + 64;
    return {
        blocks::vector_source_b::make(random_bytes(symbols / 8 + 8, p.bits_seed)),
        blocks::packed_to_unpacked_bb::make(1, GR_MSB_FIRST),
        analog::cpfsk_bc::make(0.5f, 1.0f, p.sps),
    };
}

// Audio is synthesised at 40 kHz and interpolated x5 to the channel rate by
// a FIR, as an audio source feeding a transmitter would be.
constexpr int audio_interp = 5;

std::vector<basic_block_sptr>
audio_source(size_t n_out, double max_freq, float gain, const transmitter_params& p)
{
    const double audio_rate = p.sample_rate / audio_interp;
    auto audio =
        synthetic_audio(n_out / audio_interp + 512, audio_rate, max_freq, p.audio_seed);
    for (auto& v : audio)
        v *= gain;
    auto taps = filter::firdes::low_pass(
        audio_interp, p.sample_rate, std::min(max_freq * 1.05, 0.45 * audio_rate), 2e3);
    return { blocks::vector_source_f::make(audio),
             filter::interp_fir_filter_fff::make(audio_interp, taps) };
}

std::vector<basic_block_sptr> am_dsb(size_t n_out, const transmitter_params& p)
{
    // Double sideband with carrier, modulation index 0.8 at the audio peak.
    auto c = audio_source(n_out, 3.4e3, 0.8f, p);
    c.push_back(blocks::add_const_ff::make(1.0f));
    c.push_back(blocks::float_to_complex::make());
    return c;
}

// Double sideband, suppressed carrier: the audio alone.
std::vector<basic_block_sptr> am_dsb_sc(size_t n_out, const transmitter_params& p)
{
    auto c = audio_source(n_out, 3.4e3, 1.0f, p);
    c.push_back(blocks::float_to_complex::make());
    return c;
}

// Upper sideband with carrier: the analytic signal of 1 + 0.8 audio (the
// constant's analytic signal is the carrier at 0 Hz).
std::vector<basic_block_sptr> am_ssb_wc(size_t n_out, const transmitter_params& p)
{
    auto c = audio_source(n_out, 3.4e3, 0.8f, p);
    c.push_back(blocks::add_const_ff::make(1.0f));
    c.push_back(filter::hilbert_fc::make(401));
    return c;
}

std::vector<basic_block_sptr> am_ssb(size_t n_out, const transmitter_params& p)
{
    // Upper sideband, suppressed carrier: the analytic signal of the audio.
    // (The original multiplied the audio by a 0 Hz sine, i.e. by zero.)
    auto c = audio_source(n_out, 3.4e3, 1.0f, p);
    c.push_back(filter::hilbert_fc::make(401));
    return c;
}

std::vector<basic_block_sptr> wbfm(size_t n_out, const transmitter_params& p)
{
    // Broadcast FM at the channel rate (the original modulated at 220.5 ksps
    // and fed it to a 200 ksps channel): 75 us pre-emphasis, 75 kHz deviation.
    auto c = audio_source(n_out, 15e3, 0.5f, p);
    const double fs = p.sample_rate, tau = 75e-6, fh = 0.925 * fs / 2;
    // Bilinear transform of H(s) = (1 + s tau) / (1 + s / (2 pi fh)).
    const double a = tau, b = 1.0 / (2 * M_PI * fh), k = 2 * fs;
    const double n0 = 1 + k * a, n1 = 1 - k * a, d0 = 1 + k * b, d1 = 1 - k * b;
    c.push_back(
        filter::iir_filter_ffd::make({ n0 / d0, n1 / d0 }, { 1.0, d1 / d0 }, false));
    c.push_back(analog::frequency_modulator_fc::make(float(2 * M_PI * 75e3 / fs)));
    return c;
}

} // namespace

const std::vector<std::string>& transmitter_classes()
{
    // RML2016.10a's 11, then the rest of RML2018.01a's 24.
    static const std::vector<std::string> c = {
        "8PSK",      "AM-DSB", "AM-SSB", "BPSK",   "CPFSK",     "GFSK",      "PAM4",
        "QAM16",     "QAM64",  "QPSK",   "WBFM",   "OOK",       "4ASK",      "8ASK",
        "16PSK",     "32PSK",  "16APSK", "32APSK", "64APSK",    "128APSK",   "16QAM",
        "32QAM",     "64QAM",  "128QAM", "256QAM", "AM-SSB-WC", "AM-SSB-SC", "AM-DSB-WC",
        "AM-DSB-SC", "FM",     "GMSK",   "OQPSK"
    };
    return c;
}

bool is_supported_class(const std::string& cls)
{
    for (const auto& c : transmitter_classes())
        if (c == cls)
            return true;
    return false;
}

std::vector<basic_block_sptr>
make_transmitter(const std::string& cls, size_t n_out, const transmitter_params& p)
{
    const auto& lin = linear_constellations();
    if (auto it = lin.find(cls); it != lin.end())
        return linear(it->second, n_out, p);
    if (cls == "GFSK")
        return gfsk(n_out, p);
    if (cls == "CPFSK")
        return cpfsk(n_out, p);
    if (cls == "AM-DSB" || cls == "AM-DSB-WC") // RML2016's AM-DSB has its carrier
        return am_dsb(n_out, p);
    if (cls == "AM-DSB-SC")
        return am_dsb_sc(n_out, p);
    if (cls == "AM-SSB" || cls == "AM-SSB-SC")
        return am_ssb(n_out, p);
    if (cls == "AM-SSB-WC")
        return am_ssb_wc(n_out, p);
    if (cls == "WBFM" || cls == "FM") // broadcast FM, 75 kHz deviation
        return wbfm(n_out, p);
    if (cls == "GMSK")
        return gmsk(n_out, p);
    if (cls == "OQPSK")
        return oqpsk(n_out, p);
    throw input_error("the generator cannot make class '" + cls + "'");
}

} // namespace gen
} // namespace amrcompress
} // namespace gr
