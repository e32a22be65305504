/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Regression tests for what the adversarial suite (tests/adversarial) found:
 * each input once crashed, hung or was accepted with garbage, and must now be
 * refused with an input_error naming the file and the problem (or, for valid
 * input once refused, accepted). docs/reliability.md lists the classes.
 */
#include "../lib/convert/pickle_reader.h"
#include "../lib/dataset/hdf5_guard.h"
#include "../lib/model/model_meta.h"
#include "../lib/util/atomic_file.h"
#include "../lib/util/bounded_json.h"
#include "test_util.h"
#include <gnuradio/amrcompress/convert.h>
#include <gnuradio/amrcompress/coreset.h>
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/dataset_writer.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/model.h>
#include <gnuradio/amrcompress/selection.h>
#include <H5Cpp.h>
#include <cppunit/extensions/HelperMacros.h>
#include <sys/stat.h>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace gr::amrcompress;

namespace {

std::string le64(uint64_t v)
{
    std::string s(8, '\0');
    for (int i = 0; i < 8; i++)
        s[i] = char((v >> (8 * i)) & 0xff);
    return s;
}

// An RML2016-style dict {('BPSK', 4): float32 [1, 2, 2]} as Python 3.8+
// pickles it with protocol 5: the array is numpy.core.numeric._frombuffer
// over a BYTEARRAY8 buffer.
std::string protocol5_pickle(uint64_t frames = 1, size_t buffer_floats = 4)
{
    std::string buf(buffer_floats * 4, '\0');
    for (size_t i = 0; i < buffer_floats; i++) {
        float v = 0.25f * float(i + 1);
        std::memcpy(&buf[i * 4], &v, 4);
    }
    std::string shape = "\x8a\x08" + le64(frames) + "K\x02K\x02\x87";
    return std::string("\x80\x05}\x8c\x04") + "BPSK" + "K\x04\x86" + "\x8c\x12" +
           "numpy.core.numeric" + "\x8c\x0b" + "_frombuffer" + "\x93(" + "\x96" +
           le64(buf.size()) + buf + "\x8c\x05numpy\x8c\x05" + "dtype" + "\x93\x8c\x02" +
           "f4" + "\x89\x88\x87R(K\x03\x8c\x01<NNNJ" +
           std::string("\xff\xff\xff\xff", 4) + "J" + std::string("\xff\xff\xff\xff", 4) +
           "K" + std::string(1, '\0') + "tb" + shape + "\x8c\x01" + "Ct" + "Rs.";
}

struct sigmf_case {
    std::string datatype = "cf32_le";
    std::string sample_count = "4";
    std::string classes = "[\"BPSK\", \"QPSK\"]";
    std::string label1 = "QPSK";
    size_t data_floats = 16; // two frames of 4 complex samples
    bool nan = false;
};

} // namespace

class hostile_input_test : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(hostile_input_test);
    CPPUNIT_TEST(labels_must_be_one_hot);
    CPPUNIT_TEST(class_attribute_must_be_utf8_strings);
    CPPUNIT_TEST(non_regular_files_are_refused_without_blocking);
    CPPUNIT_TEST(claimed_sizes_are_checked_before_allocating);
    CPPUNIT_TEST(guard_turns_crash_hang_and_throw_into_errors);
    CPPUNIT_TEST(deep_json_is_refused);
    CPPUNIT_TEST(empty_index_file_is_refused);
    CPPUNIT_TEST(pickle_overflow_and_depth);
    CPPUNIT_TEST(pickle_protocol5_is_accepted);
    CPPUNIT_TEST(sigmf_counts_classes_datatype_labels_nan);
    CPPUNIT_TEST(model_metadata_class_names);
    CPPUNIT_TEST(dynamics_record_must_belong);
    CPPUNIT_TEST(atomic_file_replaces_or_keeps);
    CPPUNIT_TEST_SUITE_END();

    test::temp_dir tmp;

    template <typename F>
    void expect_error(F&& f, const std::string& path, const std::string& what)
    {
        try {
            f();
        } catch (const input_error& e) {
            const std::string m = e.what();
            CPPUNIT_ASSERT_MESSAGE("'" + path + "' not in: " + m,
                                   m.find(path) != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE("'" + what + "' not in: " + m,
                                   m.find(what) != std::string::npos);
            return;
        }
        CPPUNIT_FAIL("accepted " + path + " (expected: " + what + ")");
    }

    void open_error(const std::string& path, const std::string& what)
    {
        expect_error([&] { dataset_reader r(path); }, path, what);
    }

    // A small valid file (ours), then changed by `edit` with the HDF5 C++ API.
    std::string dataset(const std::string& name,
                        const std::function<void(H5::H5File&)>& edit = {},
                        size_t n = 12)
    {
        auto p = tmp.file(name);
        {
            dataset_writer w(p, test::make_info(8, 3), writer_options());
            w.append(test::make_frames(n, 8, 3, 7));
            w.close();
        }
        if (edit) {
            H5::H5File f(p, H5F_ACC_RDWR);
            edit(f);
        }
        return p;
    }

    static void set_y(H5::H5File& f, size_t row, const std::vector<double>& values)
    {
        H5::DataSet y = f.openDataSet("Y");
        hsize_t off[2] = { row, 0 }, cnt[2] = { 1, values.size() };
        H5::DataSpace fs = y.getSpace();
        fs.selectHyperslab(H5S_SELECT_SET, cnt, off);
        H5::DataSpace ms(2, cnt);
        y.write(values.data(), H5::PredType::NATIVE_DOUBLE, ms, fs);
    }

    std::string put(const std::string& name, const std::string& bytes)
    {
        auto p = tmp.file(name);
        std::ofstream(p, std::ios::binary) << bytes;
        return p;
    }

    std::string sigmf(const std::string& name, const sigmf_case& c)
    {
        const std::string base = tmp.file(name);
        std::vector<float> data(c.data_floats, 0.5f);
        if (c.nan)
            data[9] = NAN;
        std::ofstream(base + ".sigmf-data", std::ios::binary)
            .write(reinterpret_cast<const char*>(data.data()), data.size() * 4);
        std::ofstream(base + ".sigmf-meta")
            << "{\"global\": {\"core:datatype\": \"" << c.datatype
            << "\", \"amrcompress:classes\": " << c.classes
            << "}, \"annotations\": ["
               "{\"core:sample_start\": 0, \"core:sample_count\": "
            << c.sample_count
            << ", \"core:label\": \"BPSK\", \"amrcompress:snr_db\": 2},"
               "{\"core:sample_start\": 4, \"core:sample_count\": "
            << c.sample_count << ", \"core:label\": \"" << c.label1
            << "\", \"amrcompress:snr_db\": 4}]}";
        return base;
    }

public:
    void labels_must_be_one_hot()
    {
        // [1, 1, 1] once passed: the check reset itself at the third column.
        open_error(dataset("three_hot.h5",
                           [](H5::H5File& f) {
                               set_y(f, 3, { 1, 1, 1 });
                           }),
                   "Y row 3 is not one-hot");
        // One flipped byte in a float64 1.0 can give 60, beside a real 1.
        open_error(dataset("sixty.h5",
                           [](H5::H5File& f) {
                               set_y(f, 5, { 60, 0, 1 });
                           }),
                   "Y row 5 is not one-hot");
        open_error(dataset("half.h5",
                           [](H5::H5File& f) {
                               set_y(f, 0, { 0.5, 0.5, 0 });
                           }),
                   "Y row 0 is not one-hot");
    }

    void class_attribute_must_be_utf8_strings()
    {
        open_error(dataset("int_classes.h5",
                           [](H5::H5File& f) {
                               f.removeAttr("classes");
                               hsize_t n = 3;
                               int v[3] = { 1, 2, 3 };
                               f.createAttribute("classes",
                                                 H5::PredType::NATIVE_INT,
                                                 H5::DataSpace(1, &n))
                                   .write(H5::PredType::NATIVE_INT, v);
                           }),
                   "not a list of strings");
        open_error(
            dataset("latin1.h5",
                    [](H5::H5File& f) {
                        f.removeAttr("classes");
                        H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
                        hsize_t n = 3;
                        const char* v[3] = { "A", "B\xe9", "C" };
                        f.createAttribute("classes", t, H5::DataSpace(1, &n)).write(t, v);
                    }),
            "not valid UTF-8");
    }

    void non_regular_files_are_refused_without_blocking()
    {
        const auto fifo = tmp.file("fifo.h5");
        CPPUNIT_ASSERT_EQUAL(0, ::mkfifo(fifo.c_str(), 0600));
        // Opening a FIFO for reading blocks until a writer comes: a hang here
        // is caught by ctest's timeout, the assertion by the message.
        open_error(fifo, "FIFO");
        expect_error([&] { read_index_file(fifo, 10); }, fifo, "FIFO");
        const auto meta_fifo = tmp.file("pipe.sigmf-meta");
        CPPUNIT_ASSERT_EQUAL(0, ::mkfifo(meta_fifo.c_str(), 0600));
        expect_error([&] { sigmf_to_dataset(meta_fifo, tmp.file("s.h5"), true); },
                     meta_fifo,
                     "FIFO");
        expect_error([&] { read_dynamics(fifo); }, fifo, "FIFO");
        open_error(tmp.path, "is a directory");
        expect_error([&] { read_index_file(tmp.path, 10); }, tmp.path, "is a directory");
        expect_error([&] { read_model_info(tmp.path); }, tmp.path, "is a directory");
        open_error("/dev/zero", "character device");
    }

    void claimed_sizes_are_checked_before_allocating()
    {
        // 2^40 frames declared (chunked, nothing written): once bad_alloc.
        auto p = tmp.file("claims.h5");
        {
            H5::H5File f(p, H5F_ACC_TRUNC);
            const hsize_t big = hsize_t(1) << 40;
            hsize_t xd[3] = { big, 8, 2 }, xc[3] = { 16, 8, 2 };
            hsize_t yd[2] = { big, 3 }, yc[2] = { 16, 3 };
            hsize_t zd[2] = { big, 1 }, zc[2] = { 16, 1 };
            auto chunked = [&](const char* name,
                               const H5::PredType& t,
                               int rank,
                               hsize_t* d,
                               hsize_t* c) {
                H5::DSetCreatPropList pl;
                pl.setChunk(rank, c);
                f.createDataSet(name, t, H5::DataSpace(rank, d), pl);
            };
            chunked("X", H5::PredType::IEEE_F32LE, 3, xd, xc);
            chunked("Y", H5::PredType::IEEE_F64LE, 2, yd, yc);
            chunked("Z", H5::PredType::IEEE_F32LE, 2, zd, zc);
        }
        open_error(p, "frames were never written");
        // 2^40 samples per frame: once a LibTorch backtrace further on.
        auto q = tmp.file("long_frames.h5");
        {
            H5::H5File f(q, H5F_ACC_TRUNC);
            hsize_t xd[3] = { 1, hsize_t(1) << 40, 2 }, xc[3] = { 1, 1024, 2 };
            H5::DSetCreatPropList pl;
            pl.setChunk(3, xc);
            f.createDataSet("X", H5::PredType::IEEE_F32LE, H5::DataSpace(3, xd), pl);
            hsize_t yd[2] = { 1, 3 }, zd[2] = { 1, 1 };
            f.createDataSet("Y", H5::PredType::IEEE_F64LE, H5::DataSpace(2, yd));
            f.createDataSet("Z", H5::PredType::IEEE_F32LE, H5::DataSpace(2, zd));
        }
        open_error(q, "more than the 16777216 a frame can have");
        // X kept in an external raw file (here /dev/zero): data from outside
        // the dataset, and a way to make the reader read any file.
        auto e = tmp.file("external.h5");
        {
            H5::H5File f(e, H5F_ACC_TRUNC);
            hsize_t xd[3] = { 4, 8, 2 }, yd[2] = { 4, 3 }, zd[2] = { 4, 1 };
            H5::DSetCreatPropList pl;
            pl.setExternal("/dev/zero", 0, 4 * 8 * 2 * 4);
            f.createDataSet("X", H5::PredType::IEEE_F32LE, H5::DataSpace(3, xd), pl);
            std::vector<double> y(12, 0.0), z(4, 0.0);
            for (size_t i = 0; i < 4; i++)
                y[i * 3 + i % 3] = 1;
            f.createDataSet("Y", H5::PredType::IEEE_F64LE, H5::DataSpace(2, yd))
                .write(y.data(), H5::PredType::NATIVE_DOUBLE);
            f.createDataSet("Z", H5::PredType::IEEE_F64LE, H5::DataSpace(2, zd))
                .write(z.data(), H5::PredType::NATIVE_DOUBLE);
        }
        open_error(e, "keeps its data outside the file");
    }

    void guard_turns_crash_hang_and_throw_into_errors()
    {
        const std::string p = "some/file.h5";
        expect_error(
            [&] {
                h5::check_in_subprocess(
                    p, [] { std::raise(SIGSEGV); }, h5::check_timeout());
            },
            p,
            "crashed");
        const auto t0 = std::chrono::steady_clock::now();
        expect_error(
            [&] {
                h5::check_in_subprocess(
                    p,
                    [] { std::this_thread::sleep_for(std::chrono::seconds(60)); },
                    std::chrono::milliseconds(300));
            },
            p,
            "did not finish");
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
        expect_error(
            [&] {
                h5::check_in_subprocess(
                    p, [&] { throw input_error(p, "bad thing"); }, h5::check_timeout());
            },
            p,
            "bad thing");
        CPPUNIT_ASSERT_NO_THROW(h5::check_in_subprocess(
            p, [] {}, h5::check_timeout()));
    }

    void deep_json_is_refused()
    {
        const std::string deep = std::string(100000, '[') + std::string(100000, ']');
        const auto t0 = std::chrono::steady_clock::now();
        expect_error([&] { parse_untrusted_json(deep, "f.h5", "the attribute"); },
                     "f.h5",
                     "nests deeper than 64");
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
        CPPUNIT_ASSERT_EQUAL(
            3,
            parse_untrusted_json("{\"a\": [1, [2, 3]]}", "f", "x")["a"][1][1].get<int>() +
                0);
        // convert X.h5 Y.sigmf-meta once crashed on such a generator attribute.
        auto p = dataset("deep.h5", [&](H5::H5File& f) {
            H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
            if (f.attrExists("generator"))
                f.removeAttr("generator");
            f.createAttribute("generator", t, H5::DataSpace(H5S_SCALAR)).write(t, deep);
        });
        expect_error(
            [&] { dataset_to_sigmf(dataset_reader(p), tmp.file("deep_out"), true); },
            p,
            "deeper");
    }

    void empty_index_file_is_refused()
    {
        // Read as "no filter", it trained on every frame, test split included.
        auto e = put("empty.idx", "");
        expect_error([&] { read_index_file(e, 100); }, e, "lists no frames");
        auto c = put("comments.idx", "# only\n# comments\n\n");
        expect_error([&] { read_index_file(c, 100); }, c, "lists no frames");
        auto ok = put("ok.idx", "# one\n3\n");
        CPPUNIT_ASSERT(read_index_file(ok, 100) == std::vector<size_t>{ 3 });
    }

    void pickle_overflow_and_depth()
    {
        // 2^62 frames of 2 x 2 floats with a 16-byte buffer: the product wraps.
        auto p = put("overflow.pkl", protocol5_pickle(uint64_t(1) << 62, 4));
        expect_error([&] { rml2016_pickle_to_dataset(p, tmp.file("o.h5"), true); },
                     p,
                     "overflows 64 bits");
        // 10^6 nested lists: built and destroyed without recursion.
        std::string deep = "\x80\x02";
        deep += std::string(1000000, ']');
        deep += std::string(999999, 'a');
        deep += ".";
        auto d = put("deep.pkl", deep);
        expect_error([&] { rml2016_pickle_to_dataset(d, tmp.file("d.h5"), true); },
                     d,
                     "top level is a list");
    }

    void pickle_protocol5_is_accepted()
    {
        auto p = put("proto5.pkl", protocol5_pickle());
        auto out = tmp.file("proto5.h5");
        rml2016_pickle_to_dataset(p, out, true);
        dataset_reader r(out);
        CPPUNIT_ASSERT_EQUAL(size_t(1), r.size());
        CPPUNIT_ASSERT_EQUAL(size_t(2), r.info().frame_length);
        const auto b = r.read(0, 1);
        // [1, 2, L] (I row, Q row) -> interleaved: I0 Q0 I1 Q1
        CPPUNIT_ASSERT_EQUAL(0.25f, b.iq[0]);
        CPPUNIT_ASSERT_EQUAL(0.75f, b.iq[1]);
        CPPUNIT_ASSERT_EQUAL(0.5f, b.iq[2]);
        // A buffer too short for its shape is refused, as for protocol 2.
        auto s = put("short5.pkl", protocol5_pickle(2, 4));
        expect_error([&] { rml2016_pickle_to_dataset(s, tmp.file("s.h5"), true); },
                     s,
                     "its shape needs");
    }

    void sigmf_counts_classes_datatype_labels_nan()
    {
        auto refuse = [&](const std::string& name,
                          sigmf_case c,
                          const std::string& file_suffix,
                          const std::string& what) {
            const auto base = sigmf(name, c);
            expect_error([&] { sigmf_to_dataset(base, tmp.file(name + ".h5"), true); },
                         base + file_suffix,
                         what);
        };
        sigmf_case c;
        c.sample_count = "4.5";
        refuse("half", c, ".sigmf-meta", "whole number of samples");
        c.sample_count = "-4";
        refuse("negative", c, ".sigmf-meta", "is negative");
        c = sigmf_case();
        c.classes = "[]";
        refuse("noclasses", c, ".sigmf-meta", "amrcompress:classes is empty");
        c = sigmf_case();
        c.datatype = "ci16_le"; // over float data: twice the samples the frames cover
        refuse("ci16", c, ".sigmf-data", "wrong core:datatype");
        c = sigmf_case();
        c.label1 = "QAM64";
        refuse("label", c, ".sigmf-meta", "annotation 1 has label 'QAM64'");
        c = sigmf_case();
        c.nan = true;
        refuse("nan", c, ".sigmf-data", "annotation 1 (samples 4+4) contains NaN");
        const auto ok = sigmf("ok", sigmf_case());
        sigmf_to_dataset(ok, tmp.file("ok.h5"), true);
        CPPUNIT_ASSERT_EQUAL(size_t(2), dataset_reader(tmp.file("ok.h5")).size());
    }

    void model_metadata_class_names()
    {
        const std::string meta =
            "{\"arch\": \"cnn1d\", \"spec\": {}, \"frame_length\": 128, "
            "\"normalisation\": \"l1\", \"classes\": ";
        expect_error([&] { parse_model_meta(meta + "[\"A\", \"B\", \"A\"]}", "m.pt"); },
                     "m.pt",
                     "names class 'A' twice");
        expect_error([&] { parse_model_meta(meta + "[\"A\", \"\"]}", "m.pt"); },
                     "m.pt",
                     "empty class name");
        CPPUNIT_ASSERT_EQUAL(
            size_t(2), parse_model_meta(meta + "[\"A\", \"B\"]}", "m.pt").classes.size());
    }

    void dynamics_record_must_belong()
    {
        const auto p = dataset("own.h5", {}, 12);
        dataset_reader ds(p);
        training_dynamics d;
        d.path = tmp.file("dyn.h5");
        d.dataset = p;
        d.classes = ds.info().classes;
        for (size_t i : { 0, 1, 2, 3 }) {
            d.index.push_back(i);
            d.label.push_back(ds.labels()[i]);
            d.snr_db.push_back(ds.snr_db()[i]);
        }
        d.test_index = { 10, 11 };
        CPPUNIT_ASSERT_NO_THROW(check_dynamics_fit(d, ds));
        auto other = d;
        other.dataset = dataset("other.h5", {}, 12); // same shape, labels and SNRs
        expect_error(
            [&] { check_dynamics_fit(other, ds); }, other.dataset, "recorded on");
        auto dup = d;
        dup.index[3] = 2;
        expect_error(
            [&] { check_dynamics_fit(dup, ds); }, d.path, "frame 2 has two rows");
        auto test = d;
        test.index[3] = 10;
        test.label[3] = ds.labels()[10];
        test.snr_db[3] = ds.snr_db()[10];
        expect_error([&] { check_dynamics_fit(test, ds); }, d.path, "test frames");
    }

    void atomic_file_replaces_or_keeps()
    {
        const auto p = tmp.file("a.txt");
        write_file_atomically(p, "one");
        write_file_atomically(p, "two");
        std::ifstream in(p);
        std::string s;
        in >> s;
        CPPUNIT_ASSERT_EQUAL(std::string("two"), s);
        CPPUNIT_ASSERT(!std::filesystem::exists(p + atomic_file::suffix));
        {
            atomic_file f(p);
            std::ofstream(f.temp_path()) << "three";
        } // not committed: the old file stays, the temporary goes
        std::ifstream in2(p);
        in2 >> s;
        CPPUNIT_ASSERT_EQUAL(std::string("two"), s);
        CPPUNIT_ASSERT(!std::filesystem::exists(p + atomic_file::suffix));
        expect_error([&] { write_file_atomically(tmp.file("no/such/dir/x"), "x"); },
                     "no/such/dir/x",
                     "cannot create");
    }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(hostile_input_test, "hostile_input");
