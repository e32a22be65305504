/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Coreset selection: FoQuS scores against hand-computed values, every
 * method's contract (count, distinctness, class balance, seeds), what the
 * baselines prefer on handmade inputs, and refusals of bad input.
 */
#include "test_util.h"
#include <gnuradio/amrcompress/coreset.h>
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/generator.h>
#include <gnuradio/amrcompress/model_outputs.h>
#include <gnuradio/amrcompress/train.h>
#include <cppunit/extensions/HelperMacros.h>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <random>
#include <set>

using namespace gr::amrcompress;

namespace {

// Rows 0..2 of the worked example in docs/coreset.md (T = 4, beta = 0.1).
training_dynamics handmade_dynamics()
{
    training_dynamics d;
    d.path = "handmade";
    d.classes = { "A", "B", "C" };
    d.index = { 0, 1, 2 };
    d.label = { 0, 1, 2 };
    d.snr_db = { 10, 10, 10 };
    d.epochs = 4;
    d.pred = { 0, 1, 0, 0,             // right, wrong, right, right
               0, 0, 1, 0,             // wrong, wrong, right, wrong
               2, 2, 2, 2 };           // always right
    d.loss = { 0.5f, 2.0f, 0.4f, 0.1f, //
               2.0f, 2.0f, 1.0f, 3.0f, //
               0.1f, 0.1f, 0.1f, 0.1f };
    return d;
}

// n rows per class, C classes, 5 SNRs, random dynamics and model outputs.
struct synthetic {
    training_dynamics dyn;
    coreset_inputs in;
};

synthetic make_synthetic(size_t per_class, size_t C, unsigned seed, size_t models = 1)
{
    synthetic s;
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(0, 1);
    const size_t n = per_class * C, T = 6, D = 8;
    s.dyn.path = "synthetic";
    s.dyn.epochs = T;
    for (size_t c = 0; c < C; c++)
        s.dyn.classes.push_back("c" + std::to_string(c));
    for (size_t r = 0; r < n; r++) {
        const int32_t y = r % C;
        s.dyn.index.push_back(r);
        s.dyn.label.push_back(y);
        s.dyn.snr_db.push_back(10 + 2 * float((r / C) % 5));
        for (size_t t = 0; t < T; t++) {
            s.dyn.pred.push_back(u(rng) < 0.6 ? y : (y + 1) % C);
            s.dyn.loss.push_back(3 * u(rng));
        }
    }
    s.in.labels = s.dyn.label;
    s.in.snr_db = s.dyn.snr_db;
    s.in.num_classes = C;
    for (size_t m = 0; m < models; m++) {
        model_outputs o;
        o.classes = C;
        o.dim = D;
        for (size_t r = 0; r < n; r++) {
            std::vector<float> z(C);
            float sum = 0;
            for (auto& v : z)
                sum += (v = std::exp(3 * u(rng)));
            for (auto v : z)
                o.probs.push_back(v / sum);
            for (size_t j = 0; j < D; j++)
                o.embeddings.push_back(u(rng) + float(s.dyn.label[r]));
        }
        s.in.models.push_back(o);
    }
    return s;
}

} // namespace

class coreset_test : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(coreset_test);
    CPPUNIT_TEST(foqus_scores_match_hand_computation);
    CPPUNIT_TEST(budgets_round_halves_up_per_class);
    CPPUNIT_TEST(every_method_returns_balanced_distinct_rows);
    CPPUNIT_TEST(snr_stratification_balances_bins);
    CPPUNIT_TEST(seeded_selection_reproduces);
    CPPUNIT_TEST(foqus_tiers_pick_from_the_right_end);
    CPPUNIT_TEST(baselines_prefer_what_they_claim);
    CPPUNIT_TEST(bad_input_is_refused);
    CPPUNIT_TEST(dynamics_record_round_trip_and_fit_check);
    CPPUNIT_TEST_SUITE_END();

    test::temp_dir tmp;

public:
    void foqus_scores_match_hand_computation()
    {
        auto d = handmade_dynamics();
        auto s = compute_foqus_scores(d, 0.1);
        // Row 0: one right->wrong (t=2), no wrong->wrong; 3 right; losses sum 3.0.
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0 / 3, s.forget[0], 1e-9);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, s.persist[0], 1e-9);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.75 - 0.1 * 0.75, s.quality[0], 1e-6);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0 / 3 + 0.675, s.total[0], 1e-6);
        // Row 1: right->wrong at t=4, wrong->wrong at t=2; 1 right; losses sum 8.
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0 / 3, s.forget[1], 1e-9);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0 / 3, s.persist[1], 1e-9);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.25 - 0.1 * 2.0, s.quality[1], 1e-6);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(2.0 / 3 + 0.05, s.total[1], 1e-6);
        // Row 2: always right, loss 0.1 each epoch.
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, s.forget[2] + s.persist[2], 1e-9);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.99, s.total[2], 1e-6);
        // Table V combinations add only the chosen terms.
        auto f = compute_foqus_scores(d, 0.1, true, false, false);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0 / 3, f.total[1], 1e-9);
        auto pq = compute_foqus_scores(d, 0.1, false, true, true);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0 / 3 + 0.05, pq.total[1], 1e-6);
        // beta scales the loss term only.
        auto b0 = compute_foqus_scores(d, 0.0);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0 / 3 + 0.75, b0.total[0], 1e-9);
    }

    void budgets_round_halves_up_per_class()
    {
        std::vector<int32_t> labels;
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < (c == 0 ? 10 : c == 1 ? 25 : 3); i++)
                labels.push_back(c);
        auto k = class_budgets(labels, 3, 0.1);
        CPPUNIT_ASSERT_EQUAL(size_t(1), k[0]); // 1.0
        CPPUNIT_ASSERT_EQUAL(size_t(3), k[1]); // 2.5 -> 3
        CPPUNIT_ASSERT_EQUAL(size_t(0), k[2]); // 0.3 -> 0
        auto all = class_budgets(labels, 3, 1.0);
        CPPUNIT_ASSERT_EQUAL(size_t(25), all[1]);
    }

    void every_method_returns_balanced_distinct_rows()
    {
        auto s = make_synthetic(60, 4, 7, 2);
        s.in.dynamics = &s.dyn;
        for (const auto& m : coreset_methods()) {
            for (double rate : { 0.05, 0.25, 1.0 }) {
                coreset_options o;
                o.method = m.name;
                o.rate = rate;
                auto r = select_coreset(s.in, o);
                const size_t k = size_t(std::floor(rate * 60 + 0.5));
                CPPUNIT_ASSERT_EQUAL_MESSAGE(m.name, 4 * k, r.rows.size());
                std::set<size_t> distinct(r.rows.begin(), r.rows.end());
                CPPUNIT_ASSERT_EQUAL_MESSAGE(m.name, r.rows.size(), distinct.size());
                std::vector<size_t> per(4, 0);
                for (size_t row : r.rows)
                    per[s.in.labels.at(row)]++;
                for (size_t c = 0; c < 4; c++) {
                    CPPUNIT_ASSERT_EQUAL_MESSAGE(m.name, k, per[c]);
                    CPPUNIT_ASSERT_EQUAL_MESSAGE(m.name, k, r.per_class[c]);
                }
                CPPUNIT_ASSERT_MESSAGE(m.name,
                                       std::is_sorted(r.rows.begin(), r.rows.end()));
            }
        }
    }

    void snr_stratification_balances_bins()
    {
        auto s = make_synthetic(100, 3, 3);
        s.in.dynamics = &s.dyn;
        for (const char* m : { "foqus", "uniform", "kcenter" }) {
            coreset_options o;
            o.method = m;
            o.rate = 0.2; // 20 per class, 4 per (class, SNR) of 20 frames
            o.stratify_snr = true;
            auto r = select_coreset(s.in, o);
            std::map<std::pair<int, float>, size_t> cell;
            for (size_t row : r.rows)
                cell[{ s.in.labels[row], s.in.snr_db[row] }]++;
            CPPUNIT_ASSERT_EQUAL(size_t(15), cell.size());
            for (auto& [key, n] : cell)
                CPPUNIT_ASSERT_EQUAL(size_t(4), n);
        }
        // Unequal bins: the class budget still adds up (largest remainder).
        coreset_options o;
        o.method = "uniform";
        o.rate = 0.13;
        o.stratify_snr = true;
        o.snr_bin_db = 5; // bins [10,15) and [15,20): 60 and 40 frames per class
        auto r = select_coreset(s.in, o);
        CPPUNIT_ASSERT_EQUAL(size_t(3 * 13), r.rows.size());
    }

    void seeded_selection_reproduces()
    {
        auto s = make_synthetic(50, 3, 11);
        s.in.dynamics = &s.dyn;
        for (const auto& m : coreset_methods()) {
            coreset_options o;
            o.method = m.name;
            o.rate = 0.2;
            o.seed = 5;
            auto a = select_coreset(s.in, o), b = select_coreset(s.in, o);
            CPPUNIT_ASSERT_MESSAGE(m.name, a.rows == b.rows);
        }
        coreset_options o;
        o.method = "uniform";
        o.rate = 0.2;
        o.seed = 1;
        auto a = select_coreset(s.in, o);
        o.seed = 2;
        CPPUNIT_ASSERT(a.rows != select_coreset(s.in, o).rows);
    }

    void foqus_tiers_pick_from_the_right_end()
    {
        // One class of 9 rows whose scores are ordered: row r has r right
        // epochs out of 9 (then wrong), so a higher row = higher quality.
        training_dynamics d;
        d.path = "tiers";
        d.classes = { "A" };
        d.epochs = 9;
        for (size_t r = 0; r < 9; r++) {
            d.index.push_back(r);
            d.label.push_back(0);
            d.snr_db.push_back(0);
            for (size_t t = 0; t < 9; t++) {
                d.pred.push_back(t < r ? 0 : 1);
                d.loss.push_back(t < r ? 0.1f : 2.0f);
            }
        }
        coreset_inputs in;
        in.labels = d.label;
        in.snr_db = d.snr_db;
        in.num_classes = 1;
        in.dynamics = &d;
        auto scores = compute_foqus_scores(d);
        for (size_t r = 1; r < 9; r++)
            CPPUNIT_ASSERT(scores.total[r] > scores.total[r - 1]);
        coreset_options o;
        o.rate = 3.0 / 9;
        o.foqus.tier_mix = { 1, 0, 0 };
        auto top = select_coreset(in, o);
        CPPUNIT_ASSERT((top.rows == std::vector<size_t>{ 6, 7, 8 }));
        o.foqus.tier_mix = { 0, 0, 1 };
        auto bottom = select_coreset(in, o);
        CPPUNIT_ASSERT((bottom.rows == std::vector<size_t>{ 0, 1, 2 }));
        // A tier too small for its share passes the rest on: 2/3 of the
        // class from the top third alone is impossible; 6 rows still come back.
        o.rate = 6.0 / 9;
        o.foqus.tier_mix = { 1, 0, 0 };
        auto spill = select_coreset(in, o);
        CPPUNIT_ASSERT_EQUAL(size_t(6), spill.rows.size());
        for (size_t r : { 6, 7, 8 })
            CPPUNIT_ASSERT(std::count(spill.rows.begin(), spill.rows.end(), r) == 1);
    }

    void baselines_prefer_what_they_claim()
    {
        // One class, 4 rows; model outputs chosen by hand.
        coreset_inputs in;
        in.labels = { 0, 0, 0, 0 };
        in.snr_db = { 0, 0, 0, 0 };
        in.num_classes = 2;
        model_outputs m;
        m.classes = 2;
        m.dim = 1;
        m.probs = { 0.99f, 0.01f, 0.55f, 0.45f, 0.80f, 0.20f, 0.30f, 0.70f };
        m.embeddings = { 0.0f, 0.1f, 0.2f, 10.0f };
        in.models = { m };
        auto pick = [&](const char* method, double rate) {
            coreset_options o;
            o.method = method;
            o.rate = rate;
            return select_coreset(in, o).rows;
        };
        // Row 1 (0.55/0.45) is the least confident, most uncertain, smallest margin.
        CPPUNIT_ASSERT((pick("leastconf", 0.25) == std::vector<size_t>{ 1 }));
        CPPUNIT_ASSERT((pick("entropy", 0.25) == std::vector<size_t>{ 1 }));
        CPPUNIT_ASSERT((pick("margin", 0.25) == std::vector<size_t>{ 1 }));
        // Row 3 is misclassified with the largest embedding: largest gradient norm.
        CPPUNIT_ASSERT((pick("grand", 0.25) == std::vector<size_t>{ 3 }));
        // The class mean is 2.575: herding starts with the row closest to it (0.2).
        CPPUNIT_ASSERT((pick("herding", 0.25) == std::vector<size_t>{ 2 }));
        // Two k-center picks take the outlier and one of the cluster, whatever
        // the (seeded) random start.
        for (uint64_t seed = 1; seed <= 8; seed++) {
            coreset_options o;
            o.method = "kcenter";
            o.rate = 0.5;
            o.seed = seed;
            auto kc = select_coreset(in, o).rows;
            CPPUNIT_ASSERT_EQUAL(size_t(2), kc.size());
            CPPUNIT_ASSERT(kc[0] <= 2 && kc[1] == 3);
        }
        // Forgetting: the row with two right->wrong transitions first.
        training_dynamics d;
        d.path = "f";
        d.classes = { "A", "B" };
        d.epochs = 5;
        d.index = { 0, 1, 2, 3 };
        d.label = in.labels;
        d.snr_db = in.snr_db;
        d.pred = { 0,      1, 0, 1, 0, /**/ 0, 0, 0, 0, 0,
                   /**/ 1, 1, 1, 1, 1, /**/ 0, 1, 1, 1, 1 };
        d.loss.assign(20, 1.0f);
        in.dynamics = &d;
        CPPUNIT_ASSERT((pick("forgetting", 0.25) == std::vector<size_t>{ 0 }));
    }

    void bad_input_is_refused()
    {
        auto s = make_synthetic(20, 2, 1);
        s.in.dynamics = &s.dyn;
        coreset_options o;
        for (double r : { 0.0, -0.1, 1.5, std::numeric_limits<double>::quiet_NaN() }) {
            o.rate = r;
            CPPUNIT_ASSERT_THROW(select_coreset(s.in, o), input_error);
        }
        o.rate = 0.1;
        o.method = "nope";
        CPPUNIT_ASSERT_THROW(select_coreset(s.in, o), input_error);
        o.method = "foqus";
        auto no_dyn = s.in;
        no_dyn.dynamics = nullptr;
        CPPUNIT_ASSERT_THROW(select_coreset(no_dyn, o), input_error);
        auto short_dyn = s.dyn;
        short_dyn.index.pop_back();
        auto mismatched = s.in;
        mismatched.dynamics = &short_dyn;
        CPPUNIT_ASSERT_THROW(select_coreset(mismatched, o), input_error);
        auto no_models = s.in;
        no_models.models.clear();
        for (const char* m : { "kcenter", "grand", "margin", "cal" }) {
            o.method = m;
            CPPUNIT_ASSERT_THROW(select_coreset(no_models, o), input_error);
        }
        o.method = "foqus";
        o.foqus.tier_mix = { 0, 0, 0 };
        CPPUNIT_ASSERT_THROW(select_coreset(s.in, o), input_error);
        o.foqus.tier_mix = { 1, 1, 1 };
        o.foqus.tier_bounds = { 0.7, 0.2 };
        CPPUNIT_ASSERT_THROW(select_coreset(s.in, o), input_error);
        o.foqus.tier_bounds = { 0.3, 0.6 };
        o.foqus.use_forget = o.foqus.use_persist = o.foqus.use_quality = false;
        CPPUNIT_ASSERT_THROW(select_coreset(s.in, o), input_error);
        auto one_epoch = s.dyn;
        one_epoch.epochs = 1;
        CPPUNIT_ASSERT_THROW(compute_foqus_scores(one_epoch), input_error);
    }

    void dynamics_record_round_trip_and_fit_check()
    {
        generator_config g;
        g.classes = { "BPSK", "QPSK", "GFSK" };
        g.snrs_db = { 10, 18 };
        g.frames_per_cell = 20;
        const auto data = tmp.file("d.h5");
        generate_dataset(g, data, false);
        train_config c;
        c.dataset = data;
        c.out_dir = tmp.file("run");
        c.epochs = 3;
        c.batch_size = 16;
        c.eval_every = 0;
        auto r = train_model(c);
        auto d = read_dynamics(r.dynamics_path);
        dataset_reader ds(data);
        CPPUNIT_ASSERT_EQUAL(size_t(3), d.epochs);
        CPPUNIT_ASSERT_EQUAL(r.train_frames, d.size());
        check_dynamics_fit(d, ds); // its own dataset: accepted
        // The record's accuracy column agrees with its predictions.
        size_t right = 0;
        for (size_t i = 0; i < d.size(); i++)
            right += d.pred[i * 3 + 2] == d.label[i];
        CPPUNIT_ASSERT_DOUBLES_EQUAL(
            r.epochs.back().train_acc, double(right) / d.size(), 1e-9);

        // Model outputs on the record's frames: probabilities sum to 1.
        auto mo = compute_model_outputs(r.model_path, data, d.index);
        CPPUNIT_ASSERT_EQUAL(d.size() * 3, mo.probs.size());
        CPPUNIT_ASSERT(mo.dim > 0);
        double sum = 0;
        for (size_t k = 0; k < 3; k++)
            sum += mo.probs[k];
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, sum, 1e-5);

        // Another dataset (other classes, other size) is refused.
        g.classes = { "BPSK", "QPSK", "8PSK" };
        const auto other = tmp.file("other.h5");
        generate_dataset(g, other, false);
        dataset_reader ods(other);
        CPPUNIT_ASSERT_THROW(check_dynamics_fit(d, ods), input_error);
        g.classes = { "BPSK", "QPSK", "GFSK" };
        g.frames_per_cell = 5;
        const auto small = tmp.file("small.h5");
        generate_dataset(g, small, false);
        dataset_reader sds(small);
        CPPUNIT_ASSERT_THROW(check_dynamics_fit(d, sds), input_error);

        // Truncated and foreign files.
        {
            std::ifstream in(r.dynamics_path, std::ios::binary);
            std::string bytes((std::istreambuf_iterator<char>(in)), {});
            std::ofstream(tmp.file("cut.h5"), std::ios::binary)
                << bytes.substr(0, bytes.size() / 2);
        }
        CPPUNIT_ASSERT_THROW(read_dynamics(tmp.file("cut.h5")), input_error);
        CPPUNIT_ASSERT_THROW(read_dynamics(data), input_error); // a dataset, not a record
        CPPUNIT_ASSERT_THROW(read_dynamics(tmp.file("missing.h5")), input_error);
    }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(coreset_test, "coreset");
