/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Dataset store round trips: write, read (whole, by index, streamed), subset,
 * stratified split and index files.
 */
#include "test_util.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/dataset_writer.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/selection.h>
#include <cppunit/extensions/HelperMacros.h>
#include <fstream>
#include <set>

using namespace gr::amrcompress;

class dataset_store_test : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(dataset_store_test);
    CPPUNIT_TEST(round_trip_in_several_appends);
    CPPUNIT_TEST(read_indices_keeps_requested_order);
    CPPUNIT_TEST(streaming_visits_every_frame_once);
    CPPUNIT_TEST(frame_metadata_round_trip);
    CPPUNIT_TEST(subset_by_class_snr_and_index);
    CPPUNIT_TEST(stratified_split_is_per_group_and_deterministic);
    CPPUNIT_TEST(index_file_round_trip_and_errors);
    CPPUNIT_TEST(refuses_to_overwrite);
    CPPUNIT_TEST_SUITE_END();

    test::temp_dir tmp;

    std::string write_sample(size_t n, size_t L, int classes, bool meta = false)
    {
        std::string p =
            tmp.file("d" + std::to_string(n) + "_" + std::to_string(meta) + ".h5");
        writer_options o;
        o.overwrite = true;
        o.chunk_frames = 7; // chunk boundaries inside appends
        o.frame_metadata = meta;
        dataset_writer w(p, test::make_info(L, classes), o);
        auto b = test::make_frames(n, L, classes, 42);
        if (meta)
            for (size_t i = 0; i < n; i++) {
                b.capture_time.push_back(0.5 * i);
                b.capture_id.push_back(1000 + i);
            }
        // Append in uneven pieces.
        for (size_t s = 0; s < n;) {
            size_t cnt = std::min<size_t>(n - s, 1 + s % 13);
            frame_block part;
            part.frame_length = L;
            for (size_t i = s; i < s + cnt; i++)
                part.append_from(b, i);
            w.append(part);
            s += cnt;
        }
        CPPUNIT_ASSERT_EQUAL(n, w.size());
        w.close();
        return p;
    }

public:
    void round_trip_in_several_appends()
    {
        auto p = write_sample(100, 32, 4);
        auto ref = test::make_frames(100, 32, 4, 42);
        dataset_reader r(p);
        CPPUNIT_ASSERT_EQUAL(size_t(100), r.size());
        CPPUNIT_ASSERT_EQUAL(size_t(32), r.info().frame_length);
        CPPUNIT_ASSERT(r.info().classes == test::make_info(32, 4).classes);
        CPPUNIT_ASSERT_EQUAL(1e6, r.info().sample_rate);
        CPPUNIT_ASSERT_EQUAL(2.4e9, r.info().center_freq);
        CPPUNIT_ASSERT_EQUAL(std::string("none"), r.info().normalisation);
        CPPUNIT_ASSERT(r.labels() == ref.labels);
        CPPUNIT_ASSERT(r.snr_db() == ref.snr_db);
        auto all = r.read(0, 100);
        CPPUNIT_ASSERT(all.iq == ref.iq);
        auto mid = r.read(37, 5);
        CPPUNIT_ASSERT(std::equal(mid.iq.begin(), mid.iq.end(), ref.frame(37)));
        CPPUNIT_ASSERT_THROW(r.read(99, 2), input_error);
    }

    void read_indices_keeps_requested_order()
    {
        auto p = write_sample(100, 8, 3);
        auto ref = test::make_frames(100, 8, 3, 42);
        dataset_reader r(p);
        std::vector<size_t> idx = { 99, 3, 50, 3, 0, 98, 51 };
        auto b = r.read_indices(idx);
        CPPUNIT_ASSERT_EQUAL(idx.size(), b.size());
        for (size_t k = 0; k < idx.size(); k++) {
            CPPUNIT_ASSERT(std::equal(b.frame(k), b.frame(k) + 16, ref.frame(idx[k])));
            CPPUNIT_ASSERT_EQUAL(ref.labels[idx[k]], b.labels[k]);
        }
        CPPUNIT_ASSERT_THROW(r.read_indices({ 100 }), input_error);
    }

    void streaming_visits_every_frame_once()
    {
        auto p = write_sample(100, 8, 3);
        dataset_reader r(p);
        std::vector<int> seen(100, 0);
        size_t calls = 0;
        r.for_each_block({}, 16, [&](const frame_block& b, size_t first) {
            CPPUNIT_ASSERT(b.size() <= 16);
            for (size_t i = 0; i < b.size(); i++)
                seen[first + i]++;
            calls++;
        });
        CPPUNIT_ASSERT_EQUAL(size_t(7), calls);
        for (int s : seen)
            CPPUNIT_ASSERT_EQUAL(1, s);
    }

    void frame_metadata_round_trip()
    {
        auto p = write_sample(20, 8, 2, true);
        dataset_reader r(p);
        CPPUNIT_ASSERT(r.has_frame_metadata());
        auto b = r.read_indices({ 5, 19 });
        CPPUNIT_ASSERT_EQUAL(2.5, b.capture_time[0]);
        CPPUNIT_ASSERT_EQUAL(int64_t(1019), b.capture_id[1]);
        CPPUNIT_ASSERT(
            !dataset_reader(write_sample(20, 8, 2, false)).has_frame_metadata());
    }

    void subset_by_class_snr_and_index()
    {
        auto p = write_sample(100, 8, 4);
        dataset_reader r(p);
        frame_filter f;
        f.classes = { "C1", "C3" };
        f.snr_min = 2;
        f.snr_max = 6;
        auto sel = select_frames(r, f);
        CPPUNIT_ASSERT(!sel.empty());
        for (size_t i : sel) {
            CPPUNIT_ASSERT(r.labels()[i] == 1 || r.labels()[i] == 3);
            CPPUNIT_ASSERT(r.snr_db()[i] >= 2 && r.snr_db()[i] <= 6);
        }
        // Brute-force count.
        size_t expect = 0;
        for (size_t i = 0; i < 100; i++)
            expect +=
                (r.labels()[i] % 2 == 1) && r.snr_db()[i] >= 2 && r.snr_db()[i] <= 6;
        CPPUNIT_ASSERT_EQUAL(expect, sel.size());

        f = frame_filter();
        f.classes = { "nope" };
        CPPUNIT_ASSERT_THROW(select_frames(r, f), input_error);

        auto out = tmp.file("sub.h5");
        write_subset(r, sel, out, true);
        dataset_reader s(out);
        CPPUNIT_ASSERT_EQUAL(sel.size(), s.size());
        auto a = s.read(0, s.size()), b = r.read_indices(sel);
        CPPUNIT_ASSERT(a.iq == b.iq);
        CPPUNIT_ASSERT(a.labels == b.labels);
        CPPUNIT_ASSERT_THROW(write_subset(r, {}, tmp.file("empty.h5"), true),
                             input_error);
    }

    void stratified_split_is_per_group_and_deterministic()
    {
        // 3 classes x 2 SNRs x 10 frames, interleaved in file order.
        std::vector<int32_t> labels;
        std::vector<float> snr;
        for (int k = 0; k < 10; k++)
            for (int c = 0; c < 3; c++)
                for (int s = 0; s < 2; s++) {
                    labels.push_back(c);
                    snr.push_back(s * 10.0f);
                }
        auto sp = stratified_split(labels, snr, 0.8);
        CPPUNIT_ASSERT_EQUAL(size_t(48), sp.train.size());
        CPPUNIT_ASSERT_EQUAL(size_t(12), sp.test.size());
        // The first 8 of each group (file order) are train: frames of k < 8.
        for (size_t i : sp.train)
            CPPUNIT_ASSERT(i / 6 < 8);
        for (size_t i : sp.test)
            CPPUNIT_ASSERT(i / 6 >= 8);
        auto again = stratified_split(labels, snr, 0.8);
        CPPUNIT_ASSERT(again.train == sp.train && again.test == sp.test);
        CPPUNIT_ASSERT_THROW(stratified_split(labels, snr, 1.5), input_error);
    }

    void index_file_round_trip_and_errors()
    {
        auto p = tmp.file("idx.txt");
        write_index_file(p, { 5, 1, 9 }, "a comment\nover two lines");
        auto idx = read_index_file(p, 10);
        CPPUNIT_ASSERT((idx == std::vector<size_t>{ 5, 1, 9 }));
        CPPUNIT_ASSERT_THROW(read_index_file(p, 9), input_error); // 9 out of range
        auto bad = [&](const std::string& text) {
            std::ofstream(tmp.file("bad.txt")) << text;
            CPPUNIT_ASSERT_THROW(read_index_file(tmp.file("bad.txt"), 100), input_error);
        };
        bad("1\n2\n1\n"); // duplicate
        bad("1\n-3\n");   // negative
        bad("1 2\n");     // two on a line
        bad("abc\n");     // not a number
        CPPUNIT_ASSERT_THROW(read_index_file(tmp.file("missing.txt"), 10), input_error);
    }

    void refuses_to_overwrite()
    {
        auto p = write_sample(10, 8, 2);
        CPPUNIT_ASSERT_THROW(dataset_writer(p, test::make_info(8, 2)), input_error);
        dataset_reader r(p); // the refused writer left it intact
        CPPUNIT_ASSERT_EQUAL(size_t(10), r.size());
    }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(dataset_store_test, "dataset_store");
