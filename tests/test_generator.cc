/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The generator: structure of its output, reproducibility under a seed,
 * SNR calibration and the signal properties that tell classes apart.
 */
#include "test_util.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/generator.h>
#include <gnuradio/amrcompress/label_check.h>
#include <cppunit/extensions/HelperMacros.h>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

using namespace gr::amrcompress;

namespace {
generator_config small_config()
{
    generator_config c;
    c.snrs_db = { 0, 10 };
    c.frames_per_cell = 20;
    c.seed = 7;
    return c;
}

// Mean per-frame linear SNR in dB (per-frame normalisation cancels in each ratio).
double mean_frame_snr_db(const generated_cell& g, size_t L)
{
    double sum = 0;
    size_t n = g.frames.size();
    for (size_t f = 0; f < n; f++) {
        double ps = 0, pn = 0;
        for (size_t i = f * 2 * L; i < (f + 1) * 2 * L; i++) {
            ps += double(g.signal[i]) * g.signal[i];
            pn += double(g.noise[i]) * g.noise[i];
        }
        sum += ps / pn;
    }
    return 10 * std::log10(sum / n);
}
} // namespace

class generator_test : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(generator_test);
    CPPUNIT_TEST(dataset_structure_all_classes);
    CPPUNIT_TEST(reproducible_under_seed);
    CPPUNIT_TEST(components_and_snr_calibration);
    CPPUNIT_TEST(modulators_have_expected_iq_shape);
    CPPUNIT_TEST(rml2018_classes_have_expected_iq_shape);
    CPPUNIT_TEST(label_check_passes_on_generated_file);
    CPPUNIT_TEST(config_validation_and_json);
    CPPUNIT_TEST_SUITE_END();

    test::temp_dir tmp;

public:
    void dataset_structure_all_classes()
    {
        auto cfg = small_config();
        auto p = tmp.file("gen.h5");
        size_t calls = 0;
        generate_dataset(cfg, p, false, [&](size_t, size_t total) {
            calls++;
            CPPUNIT_ASSERT_EQUAL(size_t(22), total);
        });
        CPPUNIT_ASSERT_EQUAL(size_t(22), calls);
        dataset_reader r(p);
        CPPUNIT_ASSERT_EQUAL(size_t(11 * 2 * 20), r.size());
        CPPUNIT_ASSERT(r.info().classes == rml2016_classes());
        CPPUNIT_ASSERT_EQUAL(size_t(128), r.info().frame_length);
        CPPUNIT_ASSERT_EQUAL(std::string("l1"), r.info().normalisation);
        CPPUNIT_ASSERT(r.has_frame_metadata());
        // class-major, then SNR, 20 frames each
        for (size_t i = 0; i < r.size(); i++) {
            CPPUNIT_ASSERT_EQUAL(int32_t(i / 40), r.labels()[i]);
            CPPUNIT_ASSERT_EQUAL((i / 20) % 2 ? 10.0f : 0.0f, r.snr_db()[i]);
        }
        auto all = r.read(0, r.size()); // throws on NaN/Inf
        for (size_t f = 0; f < all.size(); f++) {
            double l1 = 0;
            for (size_t t = 0; t < 128; t++)
                l1 += std::hypot(all.frame(f)[2 * t], all.frame(f)[2 * t + 1]);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, l1, 1e-4); // RML2016.10a's L1 normalisation
        }
        CPPUNIT_ASSERT(generator_config::from_json(r.info().generator).seed == 7);
        CPPUNIT_ASSERT_THROW(generate_dataset(cfg, p, false), input_error); // exists
    }

    void reproducible_under_seed()
    {
        auto cfg = small_config();
        auto a = generate_cell(cfg, 8, 1); // QAM64 at 10 dB
        auto b = generate_cell(cfg, 8, 1);
        CPPUNIT_ASSERT(a.frames.iq == b.frames.iq);
        CPPUNIT_ASSERT(a.frames.capture_time == b.frames.capture_time);
        auto c = cfg;
        c.seed = 8;
        CPPUNIT_ASSERT(generate_cell(c, 8, 1).frames.iq != a.frames.iq);
        CPPUNIT_ASSERT(generate_cell(cfg, 8, 0).frames.iq != a.frames.iq); // other SNR
        // Threads do not change the result.
        auto d = tmp.file("t1.h5"), e = tmp.file("t2.h5");
        auto one = small_config();
        one.classes = { "BPSK", "WBFM" };
        one.threads = 1;
        generate_dataset(one, d, true);
        one.threads = 2;
        generate_dataset(one, e, true);
        dataset_reader rd(d), re(e);
        CPPUNIT_ASSERT(rd.read(0, rd.size()).iq == re.read(0, re.size()).iq);
    }

    void components_and_snr_calibration()
    {
        auto cfg = small_config();
        cfg.frames_per_cell = 200;
        cfg.snrs_db = { -10, 10 };
        for (size_t cls : { 2, 3, 10 }) { // AM-SSB (no longer suppressed), BPSK, WBFM
            for (size_t si = 0; si < 2; si++) {
                auto g = generate_cell(cfg, cls, si, true);
                for (size_t i = 0; i < g.frames.iq.size(); i++)
                    CPPUNIT_ASSERT_DOUBLES_EQUAL(
                        g.signal[i] + g.noise[i], g.frames.iq[i], 1e-6);
                double snr = mean_frame_snr_db(g, cfg.frame_length);
                CPPUNIT_ASSERT_DOUBLES_EQUAL_MESSAGE(
                    cfg.classes[cls], double(cfg.snrs_db[si]), snr, 1.5);
            }
        }
    }

    void modulators_have_expected_iq_shape()
    {
        // Without the channel (no CFO/fading) at high SNR, real-valued
        // constellations stay on the I axis and constant-envelope ones are flat.
        auto cfg = small_config();
        cfg.channel = "awgn";
        cfg.normalisation = "none";
        cfg.snrs_db = { 30 };
        auto q_share = [&](const std::string& cls) {
            auto c = cfg;
            c.classes = { cls };
            auto g = generate_cell(c, 0, 0);
            double i2 = 0, q2 = 0;
            for (size_t k = 0; k < g.frames.iq.size(); k += 2) {
                i2 += g.frames.iq[k] * g.frames.iq[k];
                q2 += g.frames.iq[k + 1] * g.frames.iq[k + 1];
            }
            return q2 / (i2 + q2);
        };
        CPPUNIT_ASSERT(q_share("BPSK") < 0.01);
        CPPUNIT_ASSERT(q_share("PAM4") < 0.01);
        CPPUNIT_ASSERT(q_share("AM-DSB") < 0.01);
        double qpsk = q_share("QPSK");
        CPPUNIT_ASSERT(qpsk > 0.4 && qpsk < 0.6);
        double ssb = q_share("AM-SSB"); // analytic signal: I and Q equally strong
        CPPUNIT_ASSERT(ssb > 0.3 && ssb < 0.7);

        auto envelope_spread = [&](const std::string& cls) {
            auto c = cfg;
            c.classes = { cls };
            auto g = generate_cell(c, 0, 0);
            std::vector<double> mag;
            for (size_t k = 0; k < g.frames.iq.size(); k += 2)
                mag.push_back(std::hypot(g.frames.iq[k], g.frames.iq[k + 1]));
            double m = std::accumulate(mag.begin(), mag.end(), 0.0) / mag.size(), v = 0;
            for (double x : mag)
                v += (x - m) * (x - m);
            return std::sqrt(v / mag.size()) / m;
        };
        for (auto cls : { "GFSK", "CPFSK", "WBFM" })
            CPPUNIT_ASSERT_MESSAGE(cls, envelope_spread(cls) < 0.1);
        CPPUNIT_ASSERT(envelope_spread("QAM16") > 0.2);
    }

    /*
     * The RML2018.01a classes, 1024-sample frames, without the channel at
     * 30 dB: each generates, the real-valued ones stay on the I axis, the
     * frequency-modulated ones have a flat envelope, and OQPSK's envelope
     * stays away from zero where QPSK's dips through it (its rails never
     * change together), which is what the offset is for.
     */
    void rml2018_classes_have_expected_iq_shape()
    {
        generator_config cfg;
        cfg.channel = "awgn";
        cfg.normalisation = "none";
        cfg.snrs_db = { 30 };
        cfg.frame_length = 1024;
        cfg.frames_per_cell = 4;
        cfg.classes = rml2018_classes();
        cfg.validate();
        std::map<std::string, double> q_share, spread, low;
        for (size_t c = 0; c < cfg.classes.size(); c++) {
            auto g = generate_cell(cfg, c, 0);
            CPPUNIT_ASSERT_EQUAL(size_t(4), g.frames.size());
            double i2 = 0, q2 = 0;
            std::vector<double> mag;
            for (size_t k = 0; k < g.frames.iq.size(); k += 2) {
                i2 += g.frames.iq[k] * g.frames.iq[k];
                q2 += g.frames.iq[k + 1] * g.frames.iq[k + 1];
                mag.push_back(std::hypot(g.frames.iq[k], g.frames.iq[k + 1]));
            }
            double m = std::accumulate(mag.begin(), mag.end(), 0.0) / mag.size(), v = 0;
            for (double x : mag)
                v += (x - m) * (x - m);
            q_share[cfg.classes[c]] = q2 / (i2 + q2);
            spread[cfg.classes[c]] = std::sqrt(v / mag.size()) / m;
            std::sort(mag.begin(), mag.end());
            low[cfg.classes[c]] = mag[mag.size() / 100] / m; // 1st percentile
        }
        for (auto cls : { "OOK", "4ASK", "8ASK", "BPSK", "AM-DSB-WC", "AM-DSB-SC" })
            CPPUNIT_ASSERT_MESSAGE(cls, q_share[cls] < 0.01);
        for (auto cls : { "QPSK", "OQPSK", "16APSK", "128APSK", "32QAM", "256QAM" })
            CPPUNIT_ASSERT_MESSAGE(cls, q_share[cls] > 0.4 && q_share[cls] < 0.6);
        // SSB: the analytic signal of the audio puts as much power in Q as in
        // I; with the carrier (real, at 0 Hz) I holds the carrier too.
        CPPUNIT_ASSERT(q_share["AM-SSB-SC"] > 0.3 && q_share["AM-SSB-SC"] < 0.7);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(q_share["AM-SSB-WC"]),
                               q_share["AM-SSB-WC"] > 0.005 &&
                                   q_share["AM-SSB-WC"] < 0.3);
        CPPUNIT_ASSERT(q_share["AM-DSB-WC"] < 0.2 * q_share["AM-SSB-WC"]);
        for (auto cls : { "GMSK", "FM" })
            CPPUNIT_ASSERT_MESSAGE(cls, spread[cls] < 0.1);
        // Measured: 1st percentile 0.55 of the mean envelope for OQPSK, 0.14 for QPSK.
        CPPUNIT_ASSERT(low["OQPSK"] > 0.4);
        CPPUNIT_ASSERT(low["QPSK"] < 0.25);
    }

    void label_check_passes_on_generated_file()
    {
        auto cfg = small_config();
        cfg.classes = { "QPSK", "GFSK" };
        auto p = tmp.file("lc.h5");
        generate_dataset(cfg, p, true);
        dataset_reader r(p);
        auto res = check_generated_labels(r, 0, 2);
        CPPUNIT_ASSERT(res.available);
        CPPUNIT_ASSERT_EQUAL(size_t(80), res.frames_checked);
        CPPUNIT_ASSERT_EQUAL(size_t(0), res.mismatched);
        CPPUNIT_ASSERT_EQUAL(size_t(2), res.rows.size());
        CPPUNIT_ASSERT_DOUBLES_EQUAL(10.0, res.rows[1].measured_snr_db, 1.5);
    }

    void config_validation_and_json()
    {
        generator_config c;
        CPPUNIT_ASSERT_NO_THROW(c.validate());
        CPPUNIT_ASSERT_EQUAL(size_t(20), c.snrs_db.size());
        c.classes = { "BPSK", "FOO" };
        try {
            c.validate();
            CPPUNIT_FAIL("unknown class accepted");
        } catch (const input_error& e) {
            CPPUNIT_ASSERT(std::string(e.what()).find("'FOO'") != std::string::npos);
        }
        c = generator_config();
        c.classes = { "BPSK", "BPSK" };
        CPPUNIT_ASSERT_THROW(c.validate(), input_error);
        c = generator_config();
        c.channel = "rayleigh";
        CPPUNIT_ASSERT_THROW(c.validate(), input_error);
        c = generator_config();
        c.frames_per_cell = 0;
        CPPUNIT_ASSERT_THROW(c.validate(), input_error);
        c = generator_config();
        c.window_gap = -1;
        CPPUNIT_ASSERT_THROW(c.validate(), input_error);
        c = small_config();
        c.normalisation = "power";
        c.window_gap = 0.1; // the label check must cut the same windows
        auto back = generator_config::from_json(c.to_json());
        CPPUNIT_ASSERT(back.classes == c.classes && back.snrs_db == c.snrs_db &&
                       back.seed == c.seed && back.normalisation == "power" &&
                       back.frames_per_cell == c.frames_per_cell &&
                       back.window_gap == 0.1);
        // Files from before the option: RML2016's strides.
        auto j = nlohmann::json::parse(small_config().to_json());
        j.erase("window_gap");
        CPPUNIT_ASSERT_EQUAL(2.0, generator_config::from_json(j.dump()).window_gap);
        j["frames_per_cell"] = 1e87; // once undefined behaviour (a float cast)
        CPPUNIT_ASSERT_THROW(generator_config::from_json(j.dump()), input_error);
        CPPUNIT_ASSERT_THROW(generator_config::from_json("{not json"), input_error);
        CPPUNIT_ASSERT_THROW(generator_config::from_json("{}"), input_error);
    }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(generator_test, "generator");
