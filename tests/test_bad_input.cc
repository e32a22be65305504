/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every kind of bad dataset gets an input_error that names the file and the
 * problem: never a crash, a hang or silent garbage.
 */
#include "test_util.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/dataset_writer.h>
#include <gnuradio/amrcompress/error.h>
#include <H5Cpp.h>
#include <cppunit/extensions/HelperMacros.h>
#include <cmath>
#include <filesystem>
#include <fstream>

using namespace gr::amrcompress;

namespace {

// Writes an RML2018.01a-layout file the way h5py would (contiguous, no attributes).
struct raw_file {
    size_t n = 10, L = 16, c = 24, n_y = 10, n_z = 10;
    std::vector<hsize_t> x_dims; // overrides [n, L, 2]
    bool with_x = true, with_y = true, with_z = true;
    int hot_per_row = 1;
    bool nan = false;
    std::vector<std::string> classes; // attribute, if non-empty

    void write(const std::string& path) const
    {
        H5::H5File f(path, H5F_ACC_TRUNC);
        if (with_x) {
            std::vector<hsize_t> d =
                x_dims.empty() ? std::vector<hsize_t>{ n, L, 2 } : x_dims;
            size_t total = 1;
            for (auto v : d)
                total *= v;
            std::vector<float> x(total, 0.25f);
            if (nan)
                x[total / 2] = std::nanf("");
            H5::DataSpace sp(int(d.size()), d.data());
            f.createDataSet("X", H5::PredType::IEEE_F32LE, sp)
                .write(x.data(), H5::PredType::NATIVE_FLOAT);
        }
        if (with_y) {
            std::vector<int64_t> y(n_y * c, 0);
            for (size_t i = 0; i < n_y; i++)
                for (int h = 0; h < hot_per_row; h++)
                    y[i * c + (i + h) % c] = 1;
            hsize_t d[2] = { n_y, c };
            f.createDataSet("Y", H5::PredType::STD_I64LE, H5::DataSpace(2, d))
                .write(y.data(), H5::PredType::NATIVE_INT64);
        }
        if (with_z) {
            std::vector<int64_t> z(n_z, 4);
            hsize_t d[2] = { n_z, 1 };
            f.createDataSet("Z", H5::PredType::STD_I64LE, H5::DataSpace(2, d))
                .write(z.data(), H5::PredType::NATIVE_INT64);
        }
        if (!classes.empty()) {
            H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
            hsize_t k = classes.size();
            std::vector<const char*> p;
            for (auto& s : classes)
                p.push_back(s.c_str());
            f.createAttribute("classes", t, H5::DataSpace(1, &k)).write(t, p.data());
        }
    }
};

} // namespace

class bad_input_test : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(bad_input_test);
    CPPUNIT_TEST(rml2018_layout_without_attributes_opens);
    CPPUNIT_TEST(missing_file);
    CPPUNIT_TEST(not_hdf5);
    CPPUNIT_TEST(truncated_file);
    CPPUNIT_TEST(missing_datasets);
    CPPUNIT_TEST(wrong_dimensions);
    CPPUNIT_TEST(mismatched_counts);
    CPPUNIT_TEST(nan_samples);
    CPPUNIT_TEST(y_not_one_hot);
    CPPUNIT_TEST(class_names);
    CPPUNIT_TEST(writer_refuses_bad_frames);
    CPPUNIT_TEST_SUITE_END();

    test::temp_dir tmp;

    // Expects input_error whose message names the file and contains `what`.
    void
    expect_error(const std::string& path, const std::string& what, bool read_all = false)
    {
        try {
            dataset_reader r(path);
            if (read_all)
                r.for_each_block({}, 64, [](const frame_block&, size_t) {});
        } catch (const input_error& e) {
            std::string m = e.what();
            CPPUNIT_ASSERT_MESSAGE(m, m.find(path) != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE("'" + what + "' not in: " + m,
                                   m.find(what) != std::string::npos);
            return;
        }
        CPPUNIT_FAIL("no error for " + path + " (" + what + ")");
    }

    std::string raw(const raw_file& r, const std::string& name)
    {
        auto p = tmp.file(name);
        r.write(p);
        return p;
    }

public:
    void rml2018_layout_without_attributes_opens()
    {
        raw_file f;
        dataset_reader r(raw(f, "rml2018.h5"));
        CPPUNIT_ASSERT(r.info().classes == rml2018_classes());
        CPPUNIT_ASSERT_EQUAL(std::string("OOK"), r.info().classes[0]);
        CPPUNIT_ASSERT_EQUAL(size_t(10), r.size());
        CPPUNIT_ASSERT_EQUAL(int32_t(3), r.labels()[3]);
        CPPUNIT_ASSERT_EQUAL(4.0f, r.snr_db()[0]);
        CPPUNIT_ASSERT_EQUAL(0.25f, r.read(9, 1).iq[5]);
    }

    void missing_file() { expect_error(tmp.file("nope.h5"), "no such file"); }

    void not_hdf5()
    {
        auto p = tmp.file("garbage.h5");
        std::ofstream(p) << "this is not an HDF5 file at all";
        expect_error(p, "not an HDF5 file");
    }

    void truncated_file()
    {
        auto p = tmp.file("trunc.h5");
        {
            writer_options o;
            dataset_writer w(p, test::make_info(128, 3), o);
            w.append(test::make_frames(2000, 128, 3, 1));
        }
        auto size = std::filesystem::file_size(p);
        for (double frac : { 0.5, 0.9, 0.001 }) {
            auto q = tmp.file("trunc_" + std::to_string(frac) + ".h5");
            std::filesystem::copy_file(p, q);
            std::filesystem::resize_file(q, static_cast<uintmax_t>(size * frac));
            expect_error(q, "", true);
        }
    }

    void missing_datasets()
    {
        raw_file f;
        f.with_x = false;
        expect_error(raw(f, "nox.h5"), "missing dataset 'X'");
        f = raw_file();
        f.with_y = false;
        expect_error(raw(f, "noy.h5"), "missing dataset 'Y'");
        f = raw_file();
        f.with_z = false;
        expect_error(raw(f, "noz.h5"), "missing dataset 'Z'");
    }

    void wrong_dimensions()
    {
        raw_file f;
        f.x_dims = { 10, 16, 3 };
        expect_error(raw(f, "x3.h5"), "X has shape [10, 16, 3]");
        f.x_dims = { 10, 32 };
        expect_error(raw(f, "x2d.h5"), "X has shape [10, 32]");
    }

    void mismatched_counts()
    {
        raw_file f;
        f.n_y = 9;
        expect_error(raw(f, "ny.h5"), "Y has 9 rows");
        f = raw_file();
        f.n_z = 11;
        expect_error(raw(f, "nz.h5"), "Z has 11 rows");
    }

    void nan_samples()
    {
        raw_file f;
        f.nan = true;
        auto p = raw(f, "nan.h5");
        dataset_reader r(p); // opening is cheap and fine; reading the frame is not
        CPPUNIT_ASSERT_NO_THROW(r.read(0, 4));
        expect_error(p, "frame 5 contains NaN or Inf", true);
    }

    void y_not_one_hot()
    {
        raw_file f;
        f.hot_per_row = 2;
        expect_error(raw(f, "twohot.h5"), "Y row 0 is not one-hot");
        f.hot_per_row = 0;
        expect_error(raw(f, "nohot.h5"), "Y row 0 is not one-hot");
    }

    void class_names()
    {
        raw_file f;
        f.c = 7;
        expect_error(raw(f, "c7.h5"), "matches no known dataset");
        f.classes = { "A", "B", "C" };
        expect_error(raw(f, "c7b.h5"), "names 3 classes but Y has 7");
        f.c = 3;
        f.classes = { "A", "B", "A" };
        expect_error(raw(f, "dup.h5"), "names class 'A' twice");
        f.classes = { "A", "B", "C" };
        dataset_reader r(raw(f, "ok.h5"));
        CPPUNIT_ASSERT_EQUAL(1, r.info().class_index("B"));
        try {
            r.info().class_index("QAM1024");
            CPPUNIT_FAIL("unknown class accepted");
        } catch (const input_error& e) {
            CPPUNIT_ASSERT(std::string(e.what()).find("'QAM1024'") != std::string::npos);
        }
    }

    void writer_refuses_bad_frames()
    {
        writer_options o;
        dataset_writer w(tmp.file("w.h5"), test::make_info(8, 2), o);
        auto b = test::make_frames(4, 8, 2, 3);
        b.iq[3] = INFINITY;
        CPPUNIT_ASSERT_THROW(w.append(b), input_error);
        b = test::make_frames(4, 8, 2, 3);
        b.labels[2] = 2;
        CPPUNIT_ASSERT_THROW(w.append(b), input_error);
        b = test::make_frames(4, 16, 2, 3);
        CPPUNIT_ASSERT_THROW(w.append(b), input_error);
        w.append(test::make_frames(4, 8, 2, 3));
        w.close();
        CPPUNIT_ASSERT_EQUAL(size_t(4), dataset_reader(tmp.file("w.h5")).size());
        CPPUNIT_ASSERT_THROW(dataset_writer(tmp.file("x.h5"), test::make_info(0, 2), o),
                             input_error);
    }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(bad_input_test, "bad_input");
