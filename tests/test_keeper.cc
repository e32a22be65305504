/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The on-device coreset keeper without a flowgraph: the policy on handmade
 * trajectories, the state file, and the core (budget, balance, resume,
 * bounded buffer under a flood).
 */
#include "../lib/coreset/method_util.h"
#include "../lib/keeper/keeper_core.h"
#include "../lib/keeper/keeper_policy.h"
#include "../lib/keeper/keeper_state_file.h"
#include "test_util.h"
#include <gnuradio/amrcompress/dataset_writer.h>
#include <gnuradio/amrcompress/error.h>
#include <cppunit/extensions/HelperMacros.h>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <set>

using namespace gr::amrcompress;
using coreset::foqus_tally;
using keeper::keeper_config;
using keeper::keeper_core;

namespace {

const std::vector<std::string> CLASSES = { "a", "b", "c" };
constexpr size_t L = 128;

// Class c is a tone at (c + 1) / 16 cycles a sample in noise: learnable in a few epochs.
std::vector<gr_complex> tone(int c, int64_t id, std::mt19937& rng)
{
    std::normal_distribution<float> g(0, 0.3f);
    std::vector<gr_complex> x(L);
    const double f = (c + 1) / 16.0, ph = double(id % 97);
    for (size_t i = 0; i < L; i++)
        x[i] =
            std::polar(1.0f, float(2 * M_PI * f * i + ph)) + gr_complex(g(rng), g(rng));
    return x;
}

foqus_tally tally_of(const std::vector<int>& correct, float loss)
{
    foqus_tally t;
    for (int c : correct)
        t.add(c != 0, loss);
    return t;
}

keeper_config small_config(const std::string& state = "")
{
    keeper_config c;
    c.model = "cnn1d";
    c.classes = CLASSES;
    c.frame_length = L;
    c.budget = 30;
    c.refresh_frames = 60;
    c.epochs_per_refresh = 2;
    c.batch_size = 32;
    c.holdout_frames = 30;
    c.state_path = state;
    return c;
}

} // namespace

class keeper_test : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(keeper_test);
    CPPUNIT_TEST(tally_equals_the_recorded_scores);
    CPPUNIT_TEST(policy_holds_budget_and_class_balance);
    CPPUNIT_TEST(policy_follows_the_foqus_tiers);
    CPPUNIT_TEST(policy_balances_snr_bins);
    CPPUNIT_TEST(state_file_round_trip_and_bad_files);
    CPPUNIT_TEST(core_keeps_a_balanced_coreset_and_resumes);
    CPPUNIT_TEST(core_buffer_is_bounded_under_a_flood);
    CPPUNIT_TEST(core_backpressure_keeps_every_class_of_a_replay);
    CPPUNIT_TEST(core_refuses_bad_input);
    CPPUNIT_TEST_SUITE_END();

    test::temp_dir tmp;

public:
    void tally_equals_the_recorded_scores()
    {
        // The keeper's O(1) tally and amr select's record give the same Eqs. 4-7.
        training_dynamics d;
        d.epochs = 6;
        d.index = { 0, 1 };
        d.label = { 1, 0 };
        d.pred = { 1, 0, 1, 1, 2, 1, /**/ 0, 0, 0, 1, 0, 0 };
        d.loss = { 0.1f, 2.f, 0.3f, 0.2f, 1.5f, 0.4f, 0.5f, 0.4f, 0.3f, 1.f, 0.2f, 0.1f };
        for (size_t r = 0; r < 2; r++) {
            foqus_tally t;
            for (size_t e = 0; e < 6; e++)
                t.add(d.pred[r * 6 + e] == d.label[r], d.loss[r * 6 + e]);
            const auto a = t.scores(0.1), b = coreset::foqus_row_scores(d, r, 0.1);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(b.forget, a.forget, 1e-12);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(b.persist, a.persist, 1e-12);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(b.quality, a.quality, 1e-12);
        }
        // Row 0: right, wrong, right, right, wrong, right: two forgetting events of 5.
        CPPUNIT_ASSERT_DOUBLES_EQUAL(
            2.0 / 5, coreset::foqus_row_scores(d, 0, 0.1).forget, 1e-12);
        // One epoch: no transition yet, forget = persist = 0, quality defined.
        const auto one = tally_of({ 0 }, 2.0f).scores(0.1);
        CPPUNIT_ASSERT_EQUAL(0.0, one.forget + one.persist);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(-0.2, one.quality, 1e-12);
    }

    void policy_holds_budget_and_class_balance()
    {
        std::vector<int32_t> labels;
        for (int i = 0; i < 60; i++)
            labels.push_back(0);
        for (int i = 0; i < 30; i++)
            labels.push_back(1);
        for (int i = 0; i < 5; i++)
            labels.push_back(2);
        std::vector<float> snr(labels.size(), 0);
        std::vector<foqus_tally> t(labels.size(), tally_of({ 1, 0, 1 }, 0.5f));
        keeper::policy_options o;
        o.num_classes = 3;
        std::mt19937_64 rng(1);
        for (size_t budget : { 1, 7, 30, 64, 95, 200 }) {
            o.budget = budget;
            const auto keep = keeper::keep_within_budget(labels, snr, t, o, rng);
            CPPUNIT_ASSERT_EQUAL(std::min<size_t>(budget, 95), keep.size());
            CPPUNIT_ASSERT(std::set<size_t>(keep.begin(), keep.end()).size() ==
                           keep.size());
            size_t n[3] = { 0, 0, 0 };
            for (size_t r : keep)
                n[labels[r]]++;
            // Water-filling: the small class keeps all it has up to an equal
            // share; the others differ by at most one.
            CPPUNIT_ASSERT(n[2] >= std::min<size_t>(5, budget / 3));
            CPPUNIT_ASSERT(n[2] <= std::min<size_t>(5, (budget + 2) / 3));
            if (budget <= 90)
                CPPUNIT_ASSERT(n[0] + 1 >= n[1] && n[1] + 1 >= n[0]);
        }
    }

    void policy_follows_the_foqus_tiers()
    {
        // One class, 30 candidates in three clear score bands (Eq. 8): rows
        // 0-9 always right with a small loss (0.99), 10-19 always right with a
        // larger loss (0.8), 20-29 forgetting every other epoch with a large
        // loss (2/3 + 0.5 - 0.5).
        std::vector<int32_t> labels(30, 0);
        std::vector<float> snr(30, 0);
        std::vector<foqus_tally> t;
        for (int r = 0; r < 30; r++)
            t.push_back(r < 10   ? tally_of({ 1, 1, 1, 1 }, 0.1f)
                        : r < 20 ? tally_of({ 1, 1, 1, 1 }, 2.0f)
                                 : tally_of({ 1, 0, 1, 0 }, 5.0f));
        keeper::policy_options o;
        o.num_classes = 1;
        o.budget = 10;
        std::mt19937_64 rng(7);
        auto tier_counts = [&](std::vector<double> mix) {
            o.foqus.tier_mix = mix;
            std::vector<size_t> n(3, 0);
            for (size_t r : keeper::keep_within_budget(labels, snr, t, o, rng))
                n[r / 10]++;
            return n;
        };
        CPPUNIT_ASSERT(tier_counts({ 1, 0, 0 }) == std::vector<size_t>({ 10, 0, 0 }));
        CPPUNIT_ASSERT(tier_counts({ 0, 0, 1 }) == std::vector<size_t>({ 0, 0, 10 }));
        CPPUNIT_ASSERT(tier_counts({ 0.6, 0.3, 0.1 }) ==
                       std::vector<size_t>({ 6, 3, 1 }));
        // Forgetting alone ranks the forgetting rows first.
        o.foqus.use_persist = o.foqus.use_quality = false;
        CPPUNIT_ASSERT_EQUAL(size_t(10), tier_counts({ 1, 0, 0 })[2]);
    }

    void policy_balances_snr_bins()
    {
        // Class 0: 40 frames at 0 dB, 4 at 10 dB; class 1: 20 at 10 dB.
        std::vector<int32_t> labels(64, 0);
        std::vector<float> snr(64, 0);
        for (int r = 40; r < 44; r++)
            snr[r] = 10;
        for (int r = 44; r < 64; r++) {
            labels[r] = 1;
            snr[r] = 10.5f;
        }
        std::vector<foqus_tally> t(64, tally_of({ 1, 1 }, 0.2f));
        keeper::policy_options o;
        o.num_classes = 2;
        o.budget = 20;
        o.stratify_snr = true;
        o.snr_bin_db = 2;
        std::mt19937_64 rng(3);
        size_t low = 0, high = 0, c1 = 0;
        for (size_t r : keeper::keep_within_budget(labels, snr, t, o, rng)) {
            if (labels[r] == 1)
                c1++;
            else
                (snr[r] < 5 ? low : high)++;
        }
        CPPUNIT_ASSERT_EQUAL(size_t(10), c1);
        CPPUNIT_ASSERT_EQUAL(size_t(4), high); // all of the small bin
        CPPUNIT_ASSERT_EQUAL(size_t(6), low);  // the rest of the class's share
    }

    void state_file_round_trip_and_bad_files()
    {
        keeper::snapshot s;
        s.info = test::make_info(16, 3);
        s.frames = test::make_frames(5, 16, 3, 2);
        s.frames.capture_time.assign(5, 1.5);
        s.frames.capture_id = { 10, 20, 30, 40, 50 };
        for (int i = 0; i < 5; i++)
            s.tallies.push_back(tally_of({ 1, 0, 0, i % 2 }, 0.25f * i));
        s.state_json = R"({"refreshes":3})";
        const std::string p = tmp.file("state.h5");
        keeper::save_snapshot(p, s);
        CPPUNIT_ASSERT(!std::ifstream(p + ".partial").good()); // renamed, not left behind
        auto r = keeper::load_snapshot(p);
        CPPUNIT_ASSERT(r.frames.capture_id == s.frames.capture_id);
        CPPUNIT_ASSERT(r.frames.iq == s.frames.iq);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"refreshes":3})"), r.state_json);
        for (int i = 0; i < 5; i++) {
            CPPUNIT_ASSERT_EQUAL(s.tallies[i].persist, r.tallies[i].persist);
            CPPUNIT_ASSERT_EQUAL(s.tallies[i].last_correct, r.tallies[i].last_correct);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(s.tallies[i].loss_sum, r.tallies[i].loss_sum, 0);
        }
        // An empty coreset is a valid state too.
        keeper::snapshot e;
        e.info = s.info;
        e.frames.frame_length = 16;
        keeper::save_snapshot(tmp.file("empty.h5"), e);
        CPPUNIT_ASSERT_EQUAL(size_t(0),
                             keeper::load_snapshot(tmp.file("empty.h5")).frames.size());
        // A plain dataset, a truncated file and junk are refused with input_error.
        {
            writer_options o;
            o.frame_metadata = true;
            dataset_writer w(tmp.file("plain.h5"), s.info, o);
            w.append(s.frames);
        }
        CPPUNIT_ASSERT_THROW(keeper::load_snapshot(tmp.file("plain.h5")), input_error);
        std::ifstream in(p, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
        std::ofstream(tmp.file("cut.h5"), std::ios::binary)
            << bytes.substr(0, bytes.size() / 2);
        CPPUNIT_ASSERT_THROW(keeper::load_snapshot(tmp.file("cut.h5")), input_error);
        std::ofstream(tmp.file("junk.h5")) << "not hdf5";
        CPPUNIT_ASSERT_THROW(keeper::load_snapshot(tmp.file("junk.h5")), input_error);
    }

    void core_keeps_a_balanced_coreset_and_resumes()
    {
        const std::string state = tmp.file("keep.h5");
        std::mt19937 rng(5);
        std::vector<int64_t> ids;
        std::vector<foqus_tally> tallies;
        {
            keeper_core k(small_config(state));
            // Imbalanced stream: class a four times as often as c.
            int64_t id = 0;
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 66; i++, id++) {
                    const int c = i % 6 < 4 ? 0 : (i % 6 == 4 ? 1 : 2);
                    CPPUNIT_ASSERT(k.offer(tone(c, id, rng).data(), c, 5.0f, id));
                }
                k.refresh();
                const auto s = k.stats();
                CPPUNIT_ASSERT(s.size <= 30);
                CPPUNIT_ASSERT(s.error.empty());
            }
            const auto s = k.stats();
            CPPUNIT_ASSERT_EQUAL(size_t(30), s.size);
            CPPUNIT_ASSERT(s.per_class == std::vector<size_t>({ 10, 10, 10 }));
            CPPUNIT_ASSERT_EQUAL(uint64_t(198), s.offered);
            CPPUNIT_ASSERT(s.held_out > 0 && s.holdout_accuracy >= 0);
            CPPUNIT_ASSERT_EQUAL(s.queued, s.admitted + s.passed_over);
            CPPUNIT_ASSERT_EQUAL(s.size, size_t(s.admitted - s.evictions));
            // Members scored in several refreshes carry longer trajectories.
            tallies = k.member_tallies();
            uint32_t longest = 0;
            for (const auto& t : tallies)
                longest = std::max(longest, t.epochs);
            CPPUNIT_ASSERT(longest >= 4);
            ids = k.member_ids();
            k.stop();
        }
        {
            keeper_core again(small_config(state));
            CPPUNIT_ASSERT(again.member_ids() == ids);
            const auto t = again.member_tallies();
            for (size_t i = 0; i < t.size(); i++)
                CPPUNIT_ASSERT_EQUAL(tallies[i].epochs, t[i].epochs);
            CPPUNIT_ASSERT_EQUAL(size_t(30), again.stats().resumed_frames);
            CPPUNIT_ASSERT_EQUAL(uint64_t(3), again.stats().refreshes);
            // A smaller budget on resume: the next refresh trims to it.
            auto c = small_config(state);
            c.budget = 12;
            keeper_core smaller(c);
            smaller.refresh();
            CPPUNIT_ASSERT(smaller.stats().per_class == std::vector<size_t>({ 4, 4, 4 }));
        }
        // Another class list cannot resume this coreset.
        auto other = small_config(state);
        other.classes = { "a", "b", "x" };
        CPPUNIT_ASSERT_THROW(keeper_core{ other }, input_error);
    }

    void core_buffer_is_bounded_under_a_flood()
    {
        auto c = small_config();
        c.refresh_frames = 40;
        c.buffer_frames = 50;
        c.holdout_frames = 0;
        keeper_core k(c);
        k.start();
        std::mt19937 rng(9);
        size_t most_waiting = 0;
        const auto frame = tone(1, 0, rng);
        for (int64_t i = 0; i < 20000; i++) {
            k.offer(frame.data(), int(i % 3), 0.0f, i);
            if (i % 100 == 0)
                most_waiting = std::max(most_waiting, k.stats().waiting);
        }
        k.stop();
        const auto s = k.stats();
        CPPUNIT_ASSERT(most_waiting <= 50);
        CPPUNIT_ASSERT(s.dropped > 0);
        CPPUNIT_ASSERT_EQUAL(s.offered, s.queued + s.dropped);
        CPPUNIT_ASSERT(s.refreshes >= 1);
        CPPUNIT_ASSERT(s.size <= 30);
    }

    /*
     * A replayed file in class order (all of "a", then "b", then "c") runs
     * faster than refreshes. Dropping, the coreset held only the first
     * classes; with backpressure every frame is scored and every class is
     * in it, balanced.
     */
    void core_backpressure_keeps_every_class_of_a_replay()
    {
        auto c = small_config();
        c.refresh_frames = 40;
        c.buffer_frames = 50;
        c.holdout_frames = 0;
        c.epochs_per_refresh = 1;
        auto replay = [&](bool wait) {
            keeper_core k(c);
            k.start();
            std::mt19937 rng(5);
            int64_t id = 0;
            for (int cls = 0; cls < 3; cls++)
                for (int i = 0; i < 400; i++, id++) {
                    const auto f = tone(cls, id, rng);
                    k.offer(f.data(), cls, 0.0f, id, 0, wait);
                }
            k.stop();
            return k.stats();
        };
        const auto kept = replay(true);
        CPPUNIT_ASSERT_EQUAL(uint64_t(0), kept.dropped);
        CPPUNIT_ASSERT_EQUAL(kept.offered, kept.queued);
        CPPUNIT_ASSERT_EQUAL(size_t(30), kept.size);
        for (size_t k = 0; k < 3; k++)
            CPPUNIT_ASSERT_EQUAL(size_t(10), kept.per_class[k]);
        // The same replay without it drops (1,200 offers take milliseconds, a
        // refresh tens of them; how many is the machine's, so only that).
        const auto dropped = replay(false);
        CPPUNIT_ASSERT(dropped.dropped > 0);
    }

    void core_refuses_bad_input()
    {
        auto c = small_config();
        keeper_core k(c);
        std::vector<gr_complex> nan(L, gr_complex(NAN, 0));
        CPPUNIT_ASSERT(!k.offer(nan.data(), 0, 0.0f, 0));
        CPPUNIT_ASSERT_EQUAL(uint64_t(1), k.stats().nonfinite);
        CPPUNIT_ASSERT_THROW(k.offer(nan.data(), 3, 0.0f, 0), input_error);
        auto bad = c;
        bad.budget = 0;
        CPPUNIT_ASSERT_THROW(keeper_core{ bad }, input_error);
        bad = c;
        bad.model = tmp.file("missing.pt");
        CPPUNIT_ASSERT_THROW(keeper_core{ bad }, input_error);
        bad = c;
        bad.frame_length = 0; // a fresh model needs it
        CPPUNIT_ASSERT_THROW(keeper_core{ bad }, input_error);
        bad = c;
        bad.state_path = tmp.file("no/such/dir/keep.h5");
        CPPUNIT_ASSERT_THROW(keeper_core{ bad }, input_error);
        bad = c;
        bad.finetune_epochs = 1; // without an export path
        CPPUNIT_ASSERT_THROW(keeper_core{ bad }, input_error);
        // A state file that is not one.
        std::ofstream(tmp.file("junk.h5")) << "junk";
        bad = c;
        bad.state_path = tmp.file("junk.h5");
        CPPUNIT_ASSERT_THROW(keeper_core{ bad }, input_error);
    }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(keeper_test, "keeper");
