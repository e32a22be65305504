/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The readings of FoQuS that the paper leaves open (docs/coreset.md): the
 * normalisations before Eq. 8's sum, recomputed here from the record's raw
 * predictions and losses without the library's scoring code, and the
 * coverage-centric sampling, checked for what CCS promises (the hard tail
 * dropped, the budget spread evenly over score strata, exactly k rows).
 */
#include "coreset/foqus_policy.h"
#include <gnuradio/amrcompress/coreset.h>
#include <gnuradio/amrcompress/error.h>
#include <cppunit/extensions/HelperMacros.h>
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <set>

using namespace gr::amrcompress;

namespace {

// n rows over C classes; row r's trajectory is random but seeded, with
// enough variety that every metric has a spread.
training_dynamics random_record(size_t n, size_t C, size_t T, unsigned seed)
{
    training_dynamics d;
    d.path = "readings";
    d.epochs = T;
    for (size_t c = 0; c < C; c++)
        d.classes.push_back("c" + std::to_string(c));
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(0, 1);
    for (size_t r = 0; r < n; r++) {
        const int32_t y = int32_t(r % C);
        d.index.push_back(r);
        d.label.push_back(y);
        d.snr_db.push_back(10);
        const float p_right = u(rng); // per-row difficulty
        for (size_t t = 0; t < T; t++) {
            const bool right = u(rng) < p_right;
            d.pred.push_back(uint8_t(right ? y : (y + 1) % C));
            d.loss.push_back(right ? 0.2f * u(rng) : 1 + 2 * u(rng));
        }
    }
    return d;
}

// Eqs. 4-7 straight from the arrays, as a reader of the paper would.
struct raw_metrics {
    std::vector<double> m[3]; // forget, persist, quality
};

raw_metrics metrics_by_hand(const training_dynamics& d, double beta)
{
    raw_metrics out;
    const size_t T = d.epochs;
    for (size_t r = 0; r < d.size(); r++) {
        double forget = 0, persist = 0, right = 0, loss = 0;
        for (size_t t = 0; t < T; t++) {
            const bool c = d.pred[r * T + t] == d.label[r];
            right += c;
            loss += d.loss[r * T + t];
            if (t > 0) {
                const bool prev = d.pred[r * T + t - 1] == d.label[r];
                forget += prev && !c;
                persist += !prev && !c;
            }
        }
        out.m[0].push_back(forget / (T - 1));
        out.m[1].push_back(persist / (T - 1));
        out.m[2].push_back(right / T - beta * loss / T);
    }
    return out;
}

} // namespace

class foqus_readings_test : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(foqus_readings_test);
    CPPUNIT_TEST(minmax_maps_each_metric_to_the_unit_interval_then_adds);
    CPPUNIT_TEST(zscore_standardises_each_metric_then_adds);
    CPPUNIT_TEST(a_constant_metric_adds_nothing);
    CPPUNIT_TEST(normalisation_changes_the_ranking_it_should);
    CPPUNIT_TEST(ccs_drops_the_hard_tail_and_covers_the_strata_evenly);
    CPPUNIT_TEST(ccs_gives_a_small_stratum_all_it_has_and_k_in_total);
    CPPUNIT_TEST(every_reading_keeps_the_selection_contract);
    CPPUNIT_TEST(unknown_readings_are_refused);
    CPPUNIT_TEST_SUITE_END();

public:
    void minmax_maps_each_metric_to_the_unit_interval_then_adds()
    {
        const auto d = random_record(300, 3, 12, 1);
        const auto raw = metrics_by_hand(d, 0.1);
        foqus_options o;
        o.normalise = "minmax";
        const auto s = compute_foqus_scores(d, o);
        double lo[3], hi[3];
        for (int m = 0; m < 3; m++) {
            lo[m] = *std::min_element(raw.m[m].begin(), raw.m[m].end());
            hi[m] = *std::max_element(raw.m[m].begin(), raw.m[m].end());
            CPPUNIT_ASSERT(hi[m] > lo[m]);
        }
        for (size_t r = 0; r < d.size(); r++) {
            double want = 0;
            for (int m = 0; m < 3; m++)
                want += (raw.m[m][r] - lo[m]) / (hi[m] - lo[m]);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(want, s.total[r], 1e-9);
            // The per-metric columns stay as printed.
            CPPUNIT_ASSERT_DOUBLES_EQUAL(raw.m[2][r], s.quality[r], 1e-6);
        }
        const double top = *std::max_element(s.total.begin(), s.total.end());
        const double bottom = *std::min_element(s.total.begin(), s.total.end());
        CPPUNIT_ASSERT(top <= 3 + 1e-9 && bottom >= -1e-9);
    }

    void zscore_standardises_each_metric_then_adds()
    {
        const auto d = random_record(300, 3, 12, 2);
        const auto raw = metrics_by_hand(d, 0.1);
        foqus_options o;
        o.normalise = "zscore";
        o.use_persist = false; // the sum covers only the enabled metrics
        const auto s = compute_foqus_scores(d, o);
        const size_t n = d.size();
        double mean[3] = {}, sd[3] = {};
        for (int m = 0; m < 3; m++) {
            for (double x : raw.m[m])
                mean[m] += x / n;
            for (double x : raw.m[m])
                sd[m] += (x - mean[m]) * (x - mean[m]) / n;
            sd[m] = std::sqrt(sd[m]);
        }
        double total_mean = 0;
        for (size_t r = 0; r < n; r++) {
            const double want =
                (raw.m[0][r] - mean[0]) / sd[0] + (raw.m[2][r] - mean[2]) / sd[2];
            CPPUNIT_ASSERT_DOUBLES_EQUAL(want, s.total[r], 1e-9);
            total_mean += s.total[r] / n;
        }
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, total_mean, 1e-9);
    }

    void a_constant_metric_adds_nothing()
    {
        // Every row right at every epoch: forget and persist are 0 for all,
        // quality varies only through the loss.
        auto d = random_record(50, 2, 5, 3);
        for (size_t r = 0; r < d.size(); r++)
            for (size_t t = 0; t < d.epochs; t++)
                d.pred[r * d.epochs + t] = uint8_t(d.label[r]);
        for (const char* how : { "minmax", "zscore" }) {
            foqus_options o;
            o.normalise = how;
            const auto s = compute_foqus_scores(d, o);
            foqus_options q = o;
            q.use_forget = q.use_persist = false;
            const auto only_quality = compute_foqus_scores(d, q);
            for (size_t r = 0; r < d.size(); r++) {
                CPPUNIT_ASSERT(std::isfinite(s.total[r]));
                CPPUNIT_ASSERT_DOUBLES_EQUAL(only_quality.total[r], s.total[r], 1e-12);
            }
        }
    }

    void normalisation_changes_the_ranking_it_should()
    {
        // As printed, quality has the widest spread and decides the sum;
        // scaled, forgetting and persistent error weigh as much. Row 0 never
        // errs; row 1 is forgotten once and errs twice running; row 2 is
        // always wrong. As printed row 0 ranks above row 1 (0.99 against
        // 0.776); min-max-scaled, row 1's forgetting (the largest, so 1)
        // outweighs its lower quality (1.70 against 1).
        training_dynamics d;
        d.path = "two";
        d.classes = { "A", "B" };
        d.epochs = 5;
        d.index = { 0, 1, 2 };
        d.label = { 0, 0, 0 };
        d.snr_db = { 0, 0, 0 };
        d.pred = { 0, 0, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1 };
        d.loss = { 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 2, 0.1f, 2, 2, 0.1f, 3, 3, 3, 3, 3 };
        const auto as_printed = compute_foqus_scores(d);
        CPPUNIT_ASSERT(as_printed.total[0] > as_printed.total[1]);
        foqus_options o;
        o.normalise = "minmax";
        const auto scaled = compute_foqus_scores(d, o);
        CPPUNIT_ASSERT(scaled.total[1] > scaled.total[0]);
    }

    void ccs_drops_the_hard_tail_and_covers_the_strata_evenly()
    {
        // 1,000 rows with scores 0..999 (descending order); drop 10 %, 10
        // strata of equal width over 100..999 (about 90 rows each): a budget
        // of 100 is 10 per stratum.
        const size_t n = 1000;
        std::vector<size_t> order(n);
        std::vector<double> scores(n);
        for (size_t i = 0; i < n; i++) {
            order[i] = 5000 + i;
            scores[i] = double(n - 1 - i);
        }
        foqus_options o;
        o.sampling = "ccs";
        o.ccs_drop = 0.1;
        o.ccs_strata = 10;
        std::mt19937_64 rng(7);
        const auto picked = coreset::ccs_pick(order, scores, 100, o, rng);
        CPPUNIT_ASSERT_EQUAL(size_t(100), picked.size());
        CPPUNIT_ASSERT_EQUAL(size_t(100),
                             std::set<size_t>(picked.begin(), picked.end()).size());
        std::map<int, size_t> per_stratum;
        for (size_t row : picked) {
            const double score = scores[row - 5000];
            CPPUNIT_ASSERT(score >= 100); // the hard tail (scores 0..99) is gone
            per_stratum[std::min(9, int((score - 100) / (899.0 / 10)))]++;
        }
        CPPUNIT_ASSERT_EQUAL(size_t(10), per_stratum.size());
        for (const auto& [s, count] : per_stratum)
            CPPUNIT_ASSERT_EQUAL(size_t(10), count);
        // The tiered reading of the same order keeps the top end instead.
        o.sampling = "tiers";
        o.tier_mix = { 1, 0, 0 };
        const auto tiered = coreset::foqus_pick(order, scores, 100, o, rng);
        for (size_t row : tiered)
            CPPUNIT_ASSERT(scores[row - 5000] >= 666);
    }

    void ccs_gives_a_small_stratum_all_it_has_and_k_in_total()
    {
        // Scores bunched at the top: of 4 strata over [0, 100], the lowest
        // holds 2 rows, the next 0, the others 49 each. A budget of 40 gives
        // the 2, then splits 38 over the last two strata: 19 each.
        std::vector<double> scores;
        for (int i = 0; i < 49; i++)
            scores.push_back(100 - i * 0.5); // 100 .. 76: stratum 3
        for (int i = 0; i < 49; i++)
            scores.push_back(74 - i * 0.5); // 74 .. 50: stratum 2
        scores.push_back(10);
        scores.push_back(0);
        std::vector<size_t> order(scores.size());
        std::iota(order.begin(), order.end(), 0);
        foqus_options o;
        o.ccs_drop = 0;
        o.ccs_strata = 4;
        std::mt19937_64 rng(3);
        const auto picked = coreset::ccs_pick(order, scores, 40, o, rng);
        CPPUNIT_ASSERT_EQUAL(size_t(40), picked.size());
        size_t low = 0, mid = 0, top = 0;
        for (size_t row : picked)
            (scores[row] < 25 ? low : scores[row] < 75 ? mid : top)++;
        CPPUNIT_ASSERT_EQUAL(size_t(2), low);
        CPPUNIT_ASSERT_EQUAL(size_t(19), mid);
        CPPUNIT_ASSERT_EQUAL(size_t(19), top);
        // A cut-off that would leave fewer than k rows drops only what it can.
        o.ccs_drop = 0.9;
        const auto all = coreset::ccs_pick(order, scores, 99, o, rng);
        CPPUNIT_ASSERT_EQUAL(size_t(99), all.size());
    }

    void every_reading_keeps_the_selection_contract()
    {
        const auto d = random_record(400, 4, 8, 5);
        coreset_inputs in;
        in.labels = d.label;
        in.snr_db = d.snr_db;
        in.num_classes = 4;
        in.dynamics = &d;
        for (const char* norm : { "sum", "minmax", "zscore" })
            for (const char* sampling : { "tiers", "ccs" })
                for (double rate : { 0.01, 0.1, 0.3, 1.0 }) {
                    coreset_options o;
                    o.rate = rate;
                    o.foqus.normalise = norm;
                    o.foqus.sampling = sampling;
                    const auto r = select_coreset(in, o);
                    const size_t k = size_t(std::floor(rate * 100 + 0.5));
                    const std::string what = std::string(norm) + "/" + sampling;
                    CPPUNIT_ASSERT_EQUAL_MESSAGE(what, 4 * k, r.rows.size());
                    CPPUNIT_ASSERT_EQUAL_MESSAGE(
                        what,
                        r.rows.size(),
                        std::set<size_t>(r.rows.begin(), r.rows.end()).size());
                    for (size_t c = 0; c < 4; c++)
                        CPPUNIT_ASSERT_EQUAL_MESSAGE(what, k, r.per_class[c]);
                    CPPUNIT_ASSERT(select_coreset(in, o).rows == r.rows); // seeded
                }
    }

    void unknown_readings_are_refused()
    {
        const auto d = random_record(20, 2, 4, 6);
        foqus_options o;
        o.normalise = "rank";
        CPPUNIT_ASSERT_THROW(compute_foqus_scores(d, o), input_error);
        o = foqus_options();
        o.sampling = "strata";
        CPPUNIT_ASSERT_THROW(coreset::validate_foqus_options(o), input_error);
        o = foqus_options();
        o.ccs_drop = 1;
        CPPUNIT_ASSERT_THROW(coreset::validate_foqus_options(o), input_error);
        o.ccs_drop = 0.1;
        o.ccs_strata = 0;
        CPPUNIT_ASSERT_THROW(coreset::validate_foqus_options(o), input_error);
    }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(foqus_readings_test, "coreset");
