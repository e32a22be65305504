/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Streaming the training frames (lib/train/epoch_order, train_stream): the
 * chunked shuffle's properties, each rank's share, and training from the
 * file a window at a time against training in memory.
 */
#include "test_util.h"
#include "train/epoch_order.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/dataset_writer.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/generator.h>
#include <gnuradio/amrcompress/selection.h>
#include <gnuradio/amrcompress/train.h>
#include <H5Cpp.h>
#include <cppunit/extensions/HelperMacros.h>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>

using namespace gr::amrcompress;

class streaming_test : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(streaming_test);
    CPPUNIT_TEST(blocks_follow_the_chunks);
    CPPUNIT_TEST(a_window_of_everything_is_the_in_memory_shuffle);
    CPPUNIT_TEST(windows_are_whole_chunks_and_units_whole_batches);
    CPPUNIT_TEST(the_ranks_share_every_batch_exactly);
    CPPUNIT_TEST(streamed_training_records_every_frame_and_reproduces);
    CPPUNIT_TEST(a_streamed_run_resumes_exactly);
    CPPUNIT_TEST(a_streamed_full_permutation_is_the_held_run_bit_for_bit);
    CPPUNIT_TEST(a_nan_frame_met_while_streaming_names_the_file_and_frame);
    CPPUNIT_TEST(a_file_that_changes_under_its_reader_is_refused);
    CPPUNIT_TEST_SUITE_END();

    test::temp_dir tmp;

    std::string copy_of_dataset(const std::string& name)
    {
        const auto path = tmp.file(name);
        std::filesystem::copy_file(
            dataset(), path, std::filesystem::copy_options::overwrite_existing);
        return path;
    }

    std::string dataset() { return test::four_class_dataset(tmp.file("d.h5"), 40); }

    //! 1,600 frames of 1 KiB: 1,280 train frames, more than 1 MiB holds.
    std::string larger_dataset()
    {
        return test::four_class_dataset(tmp.file("larger.h5"), 200);
    }

    train_config config(const std::string& out, size_t window)
    {
        train_config c;
        c.dataset = dataset();
        c.out_dir = tmp.file(out);
        c.epochs = 3;
        c.batch_size = 16;
        c.seed = 5;
        c.threads = 1;
        c.shuffle_window = window;
        return c;
    }

    static std::vector<float> read_loss(const std::string& path, size_t& rows)
    {
        H5::H5File f(path, H5F_ACC_RDONLY);
        auto d = f.openDataSet("loss");
        hsize_t dims[2];
        d.getSpace().getSimpleExtentDims(dims);
        rows = dims[0];
        std::vector<float> v(dims[0] * dims[1]);
        d.read(v.data(), H5::PredType::NATIVE_FLOAT);
        return v;
    }

public:
    void blocks_follow_the_chunks()
    {
        // rows at file positions 0 1 2 | 5 | 8 9 | 12 with chunks of 4
        const std::vector<size_t> idx{ 0, 1, 2, 5, 8, 9, 12 };
        CPPUNIT_ASSERT((chunk_blocks(idx, 4) == std::vector<size_t>{ 0, 3, 4, 6 }));
        CPPUNIT_ASSERT(
            (chunk_blocks(idx, 1) == std::vector<size_t>{ 0, 1, 2, 3, 4, 5, 6 }));
        CPPUNIT_ASSERT((chunk_blocks({}, 4) == std::vector<size_t>{ 0 }));
    }

    void a_window_of_everything_is_the_in_memory_shuffle()
    {
        std::mt19937_64 a(7), b(7);
        auto p = plan_epoch({ 0, 10, 20 }, 30, 0, 8, a);
        std::vector<int64_t> ref(30);
        std::iota(ref.begin(), ref.end(), 0);
        std::shuffle(ref.begin(), ref.end(), b);
        CPPUNIT_ASSERT(p.order == ref);
        CPPUNIT_ASSERT((p.unit_end == std::vector<size_t>{ 30 }));
        // the generators are left in the same state: later epochs agree too
        CPPUNIT_ASSERT(a() == b());
        std::mt19937_64 c(7);
        CPPUNIT_ASSERT(plan_epoch({ 0, 10, 20 }, 30, 30, 8, c).order == ref);
    }

    void windows_are_whole_chunks_and_units_whole_batches()
    {
        // 1000 rows in blocks of 25, windows of 100 rows, batches of 32
        std::vector<size_t> starts;
        for (size_t s = 0; s < 1000; s += 25)
            starts.push_back(s);
        std::mt19937_64 rng(3);
        auto p = plan_epoch(starts, 1000, 100, 32, rng);
        std::vector<int64_t> sorted = p.order;
        std::sort(sorted.begin(), sorted.end());
        for (int64_t i = 0; i < 1000; i++)
            CPPUNIT_ASSERT_EQUAL(i, sorted[i]); // a permutation
        // every 100 positions hold four whole blocks
        for (size_t w = 0; w < 1000; w += 100) {
            std::map<int64_t, int> per_block;
            for (size_t q = w; q < w + 100; q++)
                per_block[p.order[q] / 25]++;
            CPPUNIT_ASSERT_EQUAL(size_t(4), per_block.size());
            for (auto& [blk, count] : per_block)
                CPPUNIT_ASSERT_EQUAL(25, count);
        }
        // units end on batch boundaries (the last at the end), one per window
        CPPUNIT_ASSERT_EQUAL(size_t(10), p.unit_end.size());
        for (size_t k = 0; k + 1 < p.unit_end.size(); k++)
            CPPUNIT_ASSERT_EQUAL(size_t(0), p.unit_end[k] % 32);
        CPPUNIT_ASSERT_EQUAL(size_t(1000), p.unit_end.back());
        // the chunk order itself is shuffled: the first window is not rows 0..99
        CPPUNIT_ASSERT(*std::max_element(p.order.begin(), p.order.begin() + 100) >= 100);
        // the next epoch draws another order
        CPPUNIT_ASSERT(plan_epoch(starts, 1000, 100, 32, rng).order != p.order);
    }

    void the_ranks_share_every_batch_exactly()
    {
        // 103 positions in batches of 10: the last batch (3) is split too,
        // a batch of 1 with 2 ranks is trained whole by both.
        for (int world : { 1, 2, 3 }) {
            std::multiset<size_t> all;
            for (int r = 0; r < world; r++)
                for (size_t p : rank_positions(0, 103, 10, r, world))
                    all.insert(p);
            CPPUNIT_ASSERT_EQUAL(size_t(103), all.size());
            for (size_t p = 0; p < 103; p++)
                CPPUNIT_ASSERT_EQUAL(size_t(1), all.count(p));
        }
        auto r0 = rank_positions(0, 21, 10, 0, 2), r1 = rank_positions(0, 21, 10, 1, 2);
        CPPUNIT_ASSERT(
            (r0 == std::vector<size_t>{ 0, 1, 2, 3, 4, 10, 11, 12, 13, 14, 20 }));
        CPPUNIT_ASSERT(
            (r1 == std::vector<size_t>{ 5, 6, 7, 8, 9, 15, 16, 17, 18, 19, 20 }));
        CPPUNIT_ASSERT(!slice_of_batch(20, 21, 1, 2).reports);
        CPPUNIT_ASSERT(slice_of_batch(20, 21, 0, 2).reports);
    }

    void streamed_training_records_every_frame_and_reproduces()
    {
        auto mem = train_model(config("mem", 0));
        CPPUNIT_ASSERT(!mem.streamed);
        auto a = train_model(config("str_a", 64)); // 256 train frames: 4+ units
        auto b = train_model(config("str_b", 64));
        CPPUNIT_ASSERT(a.streamed);
        CPPUNIT_ASSERT_EQUAL(size_t(64), a.shuffle_window);
        CPPUNIT_ASSERT_EQUAL(size_t(256), a.train_frames);
        size_t rows = 0;
        auto la = read_loss(a.dynamics_path, rows);
        CPPUNIT_ASSERT_EQUAL(size_t(256), rows); // one row per training frame
        for (float v : la)
            CPPUNIT_ASSERT(std::isfinite(v) && v > 0); // every row written every epoch
        auto lb = read_loss(b.dynamics_path, rows);
        CPPUNIT_ASSERT(la == lb); // seeded streamed runs reproduce exactly
        for (size_t e = 0; e < a.epochs.size(); e++)
            CPPUNIT_ASSERT_EQUAL(a.epochs[e].test_acc, b.epochs[e].test_acc);
        // another order than the in-memory run: the shuffle did change
        auto lm = read_loss(mem.dynamics_path, rows);
        CPPUNIT_ASSERT(lm != la);
        // the streamed test-set figures are those of evaluating the saved model
        dataset_reader ds(dataset());
        auto test = stratified_split(ds.labels(), ds.snr_db(), 0.8).test;
        CPPUNIT_ASSERT_DOUBLES_EQUAL(
            a.epochs.back().test_acc,
            evaluate_model(a.model_path, dataset(), test).accuracy(),
            1e-12);
    }

    void a_streamed_run_resumes_exactly()
    {
        auto full = config("full", 64);
        auto ref = train_model(full);
        // Stopped after epoch 1 (its checkpoint written), then resumed.
        auto first = config("resumed", 64);
        first.epochs = 3;
        size_t epochs_seen = 0;
        try {
            train_model(first, [&](const epoch_stats&, int) {
                if (++epochs_seen == 1)
                    throw std::runtime_error("stop after epoch 1");
            });
        } catch (const std::runtime_error&) {
        }
        first.resume = true;
        auto resumed = train_model(first);
        CPPUNIT_ASSERT_EQUAL(1, resumed.resumed_after);
        size_t rows = 0;
        CPPUNIT_ASSERT(read_loss(ref.dynamics_path, rows) ==
                       read_loss(resumed.dynamics_path, rows));
        for (size_t e = 0; e < 3; e++)
            CPPUNIT_ASSERT_EQUAL(ref.epochs[e].train_loss, resumed.epochs[e].train_loss);
        // another window is another order: refused, not silently mixed
        auto other = first;
        other.shuffle_window = 96;
        CPPUNIT_ASSERT_THROW(train_model(other), input_error);
    }

    void a_streamed_full_permutation_is_the_held_run_bit_for_bit()
    {
        auto held = config("held", 0);
        held.dataset = larger_dataset();
        auto streamed = held;
        streamed.out_dir = tmp.file("permuted");
        streamed.frame_memory_mib = 1; // 1,024 frames: two units of 512 alive
        const auto a = train_model(held), b = train_model(streamed);
        CPPUNIT_ASSERT(!a.streamed && b.streamed);
        CPPUNIT_ASSERT_EQUAL(size_t(1280), b.train_frames);
        CPPUNIT_ASSERT_EQUAL(size_t(512), b.read_unit);
        CPPUNIT_ASSERT_EQUAL(b.train_frames,
                             b.shuffle_window); // every frame with every other
        size_t rows = 0;
        const auto la = read_loss(a.dynamics_path, rows);
        CPPUNIT_ASSERT(la == read_loss(b.dynamics_path, rows));
        for (size_t e = 0; e < a.epochs.size(); e++) {
            CPPUNIT_ASSERT_EQUAL(a.epochs[e].train_loss, b.epochs[e].train_loss);
            CPPUNIT_ASSERT_EQUAL(a.epochs[e].test_acc, b.epochs[e].test_acc);
        }
        // Streamed for one epoch, then resumed held: still the same run.
        auto first = streamed;
        first.out_dir = tmp.file("switched");
        try {
            train_model(first, [&](const epoch_stats&, int) {
                throw std::runtime_error("stop after epoch 1");
            });
        } catch (const std::runtime_error&) {
        }
        first.frame_memory_mib = 0;
        first.resume = true;
        const auto c = train_model(first);
        CPPUNIT_ASSERT(!c.streamed);
        CPPUNIT_ASSERT_EQUAL(1, c.resumed_after);
        CPPUNIT_ASSERT(la == read_loss(c.dynamics_path, rows));
    }

    void a_nan_frame_met_while_streaming_names_the_file_and_frame()
    {
        // A copy with one NaN sample in a frame of the train part, far into
        // the epoch's order.
        const auto path = copy_of_dataset("nan.h5");
        size_t bad = 0;
        {
            dataset_reader ds(path);
            bad = stratified_split(ds.labels(), ds.snr_db(), 0.8).train.back();
        }
        {
            H5::H5File f(path, H5F_ACC_RDWR);
            auto x = f.openDataSet("X");
            hsize_t off[3] = { bad, 5, 0 }, cnt[3] = { 1, 1, 1 };
            auto fs = x.getSpace();
            fs.selectHyperslab(H5S_SELECT_SET, cnt, off);
            H5::DataSpace ms(3, cnt);
            const float nan = std::nanf("");
            x.write(&nan, H5::PredType::NATIVE_FLOAT, ms, fs);
        }
        auto c = config("nan", 64);
        c.dataset = path;
        try {
            train_model(c);
            CPPUNIT_FAIL("a NaN frame was trained on");
        } catch (const input_error& e) {
            const std::string m = e.what();
            CPPUNIT_ASSERT(m.find(path) != std::string::npos);
            CPPUNIT_ASSERT(m.find("frame " + std::to_string(bad)) != std::string::npos);
            CPPUNIT_ASSERT(m.find("NaN") != std::string::npos);
        }
    }

    static std::string read_error(const dataset_reader& ds, size_t first, size_t count)
    {
        try {
            ds.read(first, count);
        } catch (const input_error& e) {
            return e.what();
        }
        return "";
    }

    void a_file_that_changes_under_its_reader_is_refused()
    {
        // libhdf5 reads a truncated region as zeros: without the check the
        // last frames would come back as silent zeros, not as an error.
        const auto cut = copy_of_dataset("cut.h5");
        {
            dataset_reader ds(cut);
            const size_t n = ds.size();
            CPPUNIT_ASSERT(read_error(ds, 0, n).empty());
            std::filesystem::resize_file(cut, std::filesystem::file_size(cut) / 2);
            const auto m = read_error(ds, n - 8, 8);
            CPPUNIT_ASSERT_MESSAGE(m, m.find(cut) != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(m, m.find("truncated while") != std::string::npos);
        }
        // A writer appending (a live capture with file locking off): the
        // frames this reader counts may have been moved by the writer.
        const auto grown = copy_of_dataset("grown.h5");
        {
            dataset_reader ds(grown);
            std::ofstream(grown, std::ios::binary | std::ios::app)
                << std::string(4096, '\0');
            const auto m = read_error(ds, 0, 8);
            CPPUNIT_ASSERT_MESSAGE(m, m.find(grown) != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(m, m.find("grew while") != std::string::npos);
        }
        // A file only read by others is read as before.
        const auto same = copy_of_dataset("same.h5");
        dataset_reader a(same), b(same);
        CPPUNIT_ASSERT(read_error(a, 0, a.size()).empty());
        CPPUNIT_ASSERT(read_error(b, 0, b.size()).empty());
    }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(streaming_test, "streaming");
