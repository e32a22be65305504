/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The restricted pickle interpreter on hand-written opcode streams (the
 * Python qa_convert tests cover pickles made by Python itself).
 */
#include "test_util.h"
#include <gnuradio/amrcompress/convert.h>
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <cppunit/extensions/HelperMacros.h>
#include <cstring>
#include <filesystem>
#include <fstream>

using namespace gr::amrcompress;

namespace {
// Protocol 0, as Python 2's cPickle.dump wrote RML2016.10a: one (BPSK, 4)
// entry holding a float32 [1, 2, 2] array.
std::string protocol0_pickle(const std::string& dtype = "f4")
{
    float v[4] = { 1.0f, 2.0f, -1.0f, 0.5f }; // I0 I1 Q0 Q1
    std::string raw(reinterpret_cast<const char*>(v), sizeof v), esc;
    for (unsigned char c : raw) {
        char b[8];
        std::snprintf(b, sizeof b, "\\x%02x", c);
        esc += b;
    }
    return "(dp0\n(S'BPSK'\np1\nI4\ntp2\n"
           "cnumpy.core.multiarray\n_reconstruct\np3\n(cnumpy\nndarray\np4\n(I0\ntp5\nS'"
           "b'\np6\ntp7\nRp8\n"
           "(I1\n(I1\nI2\nI2\ntp9\ncnumpy\ndtype\np10\n(S'" +
           dtype +
           "'\np11\nI0\nI1\ntp12\nRp13\n"
           "(I3\nS'<'\np14\nNNNI-1\nI-1\nI0\ntp15\nbI00\nS'" +
           esc + "'\np16\ntp17\nbs.";
}
} // namespace

class pickle_reader_test : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(pickle_reader_test);
    CPPUNIT_TEST(protocol0_numpy_dict);
    CPPUNIT_TEST(refuses_code_and_garbage);
    CPPUNIT_TEST_SUITE_END();

    test::temp_dir tmp;

    std::string put(const std::string& name, const std::string& bytes)
    {
        auto p = tmp.file(name);
        std::ofstream(p, std::ios::binary) << bytes;
        return p;
    }

    void expect_refused(const std::string& name,
                        const std::string& bytes,
                        const std::string& what)
    {
        auto in = put(name, bytes), out = tmp.file(name + ".h5");
        try {
            rml2016_pickle_to_dataset(in, out, false);
            CPPUNIT_FAIL("accepted " + name);
        } catch (const input_error& e) {
            std::string m = e.what();
            CPPUNIT_ASSERT_MESSAGE(m, m.find(what) != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(m, m.find(in) != std::string::npos);
        }
        CPPUNIT_ASSERT(!std::filesystem::exists(out));
        CPPUNIT_ASSERT(!std::filesystem::exists(out + ".partial"));
    }

public:
    void protocol0_numpy_dict()
    {
        auto in = put("ok.pkl", protocol0_pickle()), out = tmp.file("ok.h5");
        rml2016_pickle_to_dataset(in, out, false);
        dataset_reader r(out);
        CPPUNIT_ASSERT_EQUAL(size_t(1), r.size());
        CPPUNIT_ASSERT_EQUAL(size_t(2), r.info().frame_length);
        CPPUNIT_ASSERT(r.info().classes == std::vector<std::string>{ "BPSK" });
        CPPUNIT_ASSERT_EQUAL(4.0f, r.snr_db()[0]);
        auto b = r.read(0, 1); // [2, L] -> [L, 2]
        CPPUNIT_ASSERT((b.iq == std::vector<float>{ 1.0f, -1.0f, 2.0f, 0.5f }));
    }

    void refuses_code_and_garbage()
    {
        const std::string msg = "nothing was executed";
        expect_refused(
            "system.pkl", "cos\nsystem\n(S'touch /tmp/amr_pwned'\ntR.", "'os.system'");
        expect_refused("eval.pkl", "cbuiltins\neval\n(S'1+1'\ntR.", msg);
        expect_refused("inst.pkl", "(S'x'\nios\nsystem\n.", msg);
        // Protocol 4 STACK_GLOBAL of subprocess.Popen.
        expect_refused("stack.pkl",
                       std::string("\x80\x04\x8c\x0asubprocess\x8c\x05Popen\x93.", 22),
                       msg);
        expect_refused(
            "f8.pkl", protocol0_pickle("f8"), "expected little-endian float32");
        std::string p0 = protocol0_pickle();
        expect_refused("trunc.pkl", p0.substr(0, p0.size() / 2), "truncated");
        expect_refused("empty.pkl", "", "empty file");
        expect_refused("junk.pkl", "\x01\x02\x03 garbage", "opcode");
        expect_refused("list.pkl", "(lp0\nI1\na.", "expected a dict");
        CPPUNIT_ASSERT(!std::filesystem::exists("/tmp/amr_pwned"));
    }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(pickle_reader_test, "pickle_reader");
