/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The LibTorch-free TorchScript reader (lib/deploy/torchscript_archive.h):
 * archives made here with libzip and hand-written pickles that follow
 * LibTorch's opcodes exactly, one real file, and every kind of bad file:
 * each is an input_error naming the file, never a crash or a hang.
 *
 * tests/data/torchscript_tiny.pt was written by torch 1.13's torch.jit.save:
 *
 *   class Tiny(torch.nn.Module):
 *       def __init__(self):
 *           super().__init__()
 *           self.w = torch.nn.Parameter(torch.arange(6, dtype=torch.float32).reshape(2,
 * 3)) self.b = torch.nn.Parameter(torch.tensor([0.5, -1.0])) self.register_buffer('t',
 * torch.arange(12, dtype=torch.float32).reshape(3, 4).t()) self.register_buffer('s',
 * torch.tensor(3.25)) self.register_buffer('idx', torch.tensor([1, 2, 3])) self.sub =
 * torch.nn.Linear(2, 1) with torch.no_grad(): self.sub.weight.copy_(torch.tensor([[0.25,
 * -0.75]])) self.sub.bias.fill_(1.5) self.names = ['BPSK', 'QPSK'] def forward(self, x):
 *           return self.sub(x @ self.w.t() + self.b) + self.t.sum() + self.s
 *   torch.jit.save(torch.jit.script(Tiny()), 'torchscript_tiny.pt',
 *                  _extra_files={'amr_meta.json': '{"classes": ["BPSK", "QPSK"]}'})
 */
#include "deploy/torchscript_archive.h"
#include "test_util.h"
#include <gnuradio/amrcompress/convert.h>
#include <gnuradio/amrcompress/error.h>
#include <cppunit/extensions/HelperMacros.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <sstream>

using namespace gr::amrcompress;
using deploy::read_torchscript;

namespace {

// A string literal with its NULs.
template <size_t N>
std::string bin(const char (&s)[N])
{
    return std::string(s, N - 1);
}

std::string le32(uint32_t v)
{
    std::string s(4, '\0');
    for (int i = 0; i < 4; i++)
        s[i] = char(v >> (8 * i));
    return s;
}

std::string floats(const std::vector<float>& v)
{
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

std::vector<float> iota(size_t n, float from = 0)
{
    std::vector<float> v(n);
    for (size_t i = 0; i < n; i++)
        v[i] = from + float(i);
    return v;
}

struct tensor_spec {
    std::string name, key;
    int64_t numel = 0;
    int64_t offset = 0;
    std::vector<int64_t> size, stride;
    std::string storage = "FloatStorage";
};

// Writes protocol 2 pickles the way LibTorch's pickler does (see
// torchscript_archive.cc): globals memoised with BINPUT, reused with BINGET.
struct pickler {
    std::string b = bin("\x80\x02");
    std::map<std::string, int> memo;

    pickler& raw(const std::string& s)
    {
        b += s;
        return *this;
    }
    pickler& op(char c)
    {
        b += c;
        return *this;
    }
    pickler& global(const std::string& module, const std::string& name)
    {
        auto it = memo.find(module + "." + name);
        if (it != memo.end())
            return op('h').op(char(it->second));
        int n = int(memo.size());
        memo[module + "." + name] = n;
        return raw("c" + module + "\n" + name + "\n").op('q').op(char(n));
    }
    pickler& str(const std::string& s)
    {
        return op('X').raw(le32(uint32_t(s.size())) + s);
    }
    pickler& integer(int64_t v)
    {
        if (v >= 0 && v < 256)
            return op('K').op(char(v));
        op('\x8a').op('\x08'); // LONG1, 8 bytes little-endian two's complement
        for (int i = 0; i < 8; i++)
            op(char(uint64_t(v) >> (8 * i)));
        return *this;
    }
    pickler& ints(const std::vector<int64_t>& v)
    {
        op('(');
        for (auto x : v)
            integer(x);
        return op('t');
    }
    // `name` = _rebuild_tensor_v2(persistent_load(('storage', torch.<storage>, key,
    // 'cpu', numel)), offset, size, stride, requires_grad, OrderedDict())
    pickler& tensor(const tensor_spec& t)
    {
        str(t.name).global("torch._utils", "_rebuild_tensor_v2").raw("((");
        str("storage").global("torch", t.storage).str(t.key).str("cpu").integer(t.numel);
        raw("tQ").integer(t.offset).ints(t.size).ints(t.stride).op('\x88');
        global("collections", "OrderedDict").raw(")R");
        return raw("tR");
    }
    // An object of class `module`.`cls` and the MARK of its attribute dict.
    pickler& begin_object(const std::string& module, const std::string& cls)
    {
        global(module, cls).raw(")\x81}(");
        return str("training").op('\x89');
    }
    pickler& end_object() { return raw("ub"); }
    std::string done() { return b + "."; }
};

std::string module_pickle(const std::vector<tensor_spec>& ts,
                          const std::function<void(pickler&)>& more = {})
{
    pickler p;
    p.begin_object("__torch__", "M");
    for (const auto& t : ts)
        p.tensor(t);
    if (more)
        more(p);
    return p.end_object().done();
}

struct entry {
    std::string name, data;
    bool deflate = false;
};

void write_zip(const std::string& path, const std::vector<entry>& es)
{
    int err = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    CPPUNIT_ASSERT(z);
    for (const auto& e : es) {
        zip_source_t* s = zip_source_buffer(z, e.data.data(), e.data.size(), 0);
        CPPUNIT_ASSERT(s);
        zip_int64_t i = zip_file_add(z, e.name.c_str(), s, ZIP_FL_ENC_UTF_8);
        CPPUNIT_ASSERT(i >= 0);
        CPPUNIT_ASSERT_EQUAL(
            0,
            zip_set_file_compression(
                z, zip_uint64_t(i), e.deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0));
    }
    CPPUNIT_ASSERT_EQUAL(0, zip_close(z));
}

// The records of a TorchScript archive, in LibTorch's order.
std::vector<entry> archive(const std::string& arch,
                           const std::string& pkl,
                           const std::map<std::string, std::string>& storages,
                           const std::map<std::string, std::string>& extras = {})
{
    std::vector<entry> es;
    for (const auto& [k, v] : extras)
        es.push_back({ arch + "/extra/" + k, v });
    for (const auto& [k, v] : storages)
        es.push_back({ arch + "/data/" + k, v });
    es.push_back({ arch + "/data.pkl", pkl });
    es.push_back({ arch + "/constants.pkl", bin("\x80\x02).") });
    es.push_back({ arch + "/version", "3\n" });
    return es;
}

std::string slurp(const std::string& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

class torchscript_archive_test : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(torchscript_archive_test);
    CPPUNIT_TEST(reads_tensors_and_extra_files);
    CPPUNIT_TEST(reads_big_endian_storages);
    CPPUNIT_TEST(reads_file_written_by_torch);
    CPPUNIT_TEST(refuses_corrupt_zip);
    CPPUNIT_TEST(refuses_truncated_file);
    CPPUNIT_TEST(refuses_missing_records);
    CPPUNIT_TEST(refuses_short_storage);
    CPPUNIT_TEST(refuses_overflowing_tensors);
    CPPUNIT_TEST(refuses_disallowed_pickles);
    CPPUNIT_TEST(refuses_oversized_entries);
    CPPUNIT_TEST(refuses_non_regular_files);
    CPPUNIT_TEST(deep_nesting);
    CPPUNIT_TEST_SUITE_END();

    test::temp_dir tmp;
    int serial = 0;

    std::string put_zip(const std::vector<entry>& es)
    {
        auto p = tmp.file("m" + std::to_string(serial++) + ".pt");
        write_zip(p, es);
        return p;
    }
    std::string put_bytes(const std::string& bytes)
    {
        auto p = tmp.file("b" + std::to_string(serial++) + ".pt");
        std::ofstream(p, std::ios::binary) << bytes;
        return p;
    }

    static void expect_refused(const std::string& path, const std::string& what)
    {
        try {
            read_torchscript(path);
            CPPUNIT_FAIL("accepted " + path + " (expected: " + what + ")");
        } catch (const input_error& e) {
            std::string m = e.what();
            CPPUNIT_ASSERT_MESSAGE(m + " (expected: " + what + ")",
                                   m.find(what) != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(m, m.find(path) != std::string::npos);
        }
    }

    // One float tensor over a storage of 6 floats, with size/stride/offset as given.
    std::string one_tensor(const tensor_spec& t,
                           const std::string& record = floats(iota(6)))
    {
        return put_zip(archive("model", module_pickle({ t }), { { t.key, record } }));
    }

public:
    void reads_tensors_and_extra_files()
    {
        // Storage 0: 12 floats viewed five ways; LibTorch C++ names the archive
        // folder after the file, extension included.
        std::vector<tensor_spec> ts = {
            { "w", "0", 12, 0, { 2, 3 }, { 3, 1 } },
            { "v", "0", 12, 6, { 3 }, { 2 } },        // elements 6, 8, 10
            { "t", "0", 12, 0, { 4, 3 }, { 1, 4 } },  // transpose of a [3, 4]
            { "s", "0", 12, 11, {}, {} },             // 0-d
            { "u", "0", 12, 3, { 1, 3 }, { 99, 1 } }, // stride of a size-1 dim is moot
            { "e", "2", 0, 0, { 0, 3 }, { 3, 1 } },   // empty
            { "idx", "1", 3, 0, { 3 }, { 1 }, "LongStorage" },
        };
        std::string pkl = module_pickle(ts, [](pickler& p) {
            p.str("names").global("torch.jit._pickle", "restore_type_tag").raw("](");
            p.str("BPSK").str("QPSK").raw("e").str("List[str]").raw("\x86R");
            p.str("frame_length")
                .integer(128)
                .str("gain")
                .raw("G\x40\x09\x21\xfb\x54\x44\x2d\x18");
            p.str("sub").begin_object("__torch__.torch.nn.modules.linear", "Linear");
            p.tensor({ "weight", "3", 2, 0, { 1, 2 }, { 2, 1 } }).str("bias").op('N');
            p.end_object();
        });
        std::string longs(24, '\0');
        auto es = archive("model.pt",
                          pkl,
                          { { "0", floats(iota(12)) },
                            { "1", longs },
                            { "2", "" },
                            { "3", floats({ 0.25f, -0.75f }) } },
                          { { "amr_meta.json", "{\"classes\": [\"BPSK\", \"QPSK\"]}" },
                            { "notes/readme.txt", "hello" } });
        es[2].deflate = true; // data/0
        es.push_back({ "model.pt/byteorder", "little" });
        auto c = read_torchscript(put_zip(es));

        CPPUNIT_ASSERT_EQUAL(std::string("model.pt"), c.archive_name);
        CPPUNIT_ASSERT_EQUAL(std::string("__torch__.M"), c.module_class);
        CPPUNIT_ASSERT_EQUAL(size_t(2), c.extra.size());
        CPPUNIT_ASSERT_EQUAL(std::string("{\"classes\": [\"BPSK\", \"QPSK\"]}"),
                             c.extra.at("amr_meta.json"));
        CPPUNIT_ASSERT_EQUAL(std::string("hello"), c.extra.at("notes/readme.txt"));
        CPPUNIT_ASSERT_EQUAL(size_t(7), c.tensors.size());
        auto is = [&](const std::string& n,
                      std::vector<int64_t> shape,
                      std::vector<float> data) {
            CPPUNIT_ASSERT_MESSAGE(n, c.tensors.count(n));
            CPPUNIT_ASSERT_MESSAGE(n, c.tensors.at(n).shape == shape);
            CPPUNIT_ASSERT_MESSAGE(n, c.tensors.at(n).data == data);
        };
        is("w", { 2, 3 }, iota(6));
        is("v", { 3 }, { 6, 8, 10 });
        is("t", { 4, 3 }, { 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11 });
        is("s", {}, { 11 });
        is("u", { 1, 3 }, { 3, 4, 5 });
        is("e", { 0, 3 }, {});
        is("sub.weight", { 1, 2 }, { 0.25f, -0.75f });
        CPPUNIT_ASSERT(c.skipped == (std::map<std::string, std::string>{
                                        { "idx", "torch.LongStorage" } }));
    }

    void reads_big_endian_storages()
    {
        std::string be = floats({ 1.5f, -2.0f, 3.25f });
        for (size_t i = 0; i < be.size(); i += 4)
            std::swap(be[i], be[i + 3]), std::swap(be[i + 1], be[i + 2]);
        auto es = archive("model",
                          module_pickle({ { "w", "0", 3, 0, { 3 }, { 1 } } }),
                          { { "0", be } });
        es.push_back({ "model/byteorder", "big" });
        auto c = read_torchscript(put_zip(es));
        CPPUNIT_ASSERT(
            (c.tensors.at("w").data == std::vector<float>{ 1.5f, -2.0f, 3.25f }));

        es.back().data = "middle";
        expect_refused(put_zip(es), "byteorder");
    }

    void reads_file_written_by_torch()
    {
        const std::string p = (std::filesystem::path(__FILE__).parent_path() / "data" /
                               "torchscript_tiny.pt")
                                  .string();
        CPPUNIT_ASSERT_MESSAGE("fixture " + p + " is missing",
                               std::filesystem::exists(p));
        auto c = read_torchscript(p);
        CPPUNIT_ASSERT_EQUAL(std::string("torchscript_tiny"), c.archive_name);
        CPPUNIT_ASSERT_EQUAL(std::string("__torch__.Tiny"), c.module_class);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"classes\": [\"BPSK\", \"QPSK\"]}"),
                             c.extra.at("amr_meta.json"));
        // Exactly torch.jit.load(p).state_dict()'s float tensors, bit for bit.
        CPPUNIT_ASSERT_EQUAL(size_t(6), c.tensors.size());
        CPPUNIT_ASSERT((c.tensors.at("w").shape == std::vector<int64_t>{ 2, 3 }));
        CPPUNIT_ASSERT(c.tensors.at("w").data == iota(6));
        CPPUNIT_ASSERT((c.tensors.at("b").data == std::vector<float>{ 0.5f, -1.0f }));
        CPPUNIT_ASSERT((c.tensors.at("t").shape == std::vector<int64_t>{ 4, 3 }));
        CPPUNIT_ASSERT((c.tensors.at("t").data ==
                        std::vector<float>{ 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11 }));
        CPPUNIT_ASSERT(c.tensors.at("s").shape.empty());
        CPPUNIT_ASSERT((c.tensors.at("s").data == std::vector<float>{ 3.25f }));
        CPPUNIT_ASSERT(
            (c.tensors.at("sub.weight").shape == std::vector<int64_t>{ 1, 2 }));
        CPPUNIT_ASSERT(
            (c.tensors.at("sub.weight").data == std::vector<float>{ 0.25f, -0.75f }));
        CPPUNIT_ASSERT((c.tensors.at("sub.bias").data == std::vector<float>{ 1.5f }));
        CPPUNIT_ASSERT_EQUAL(std::string("torch.LongStorage"), c.skipped.at("idx"));
    }

    void refuses_corrupt_zip()
    {
        expect_refused(put_bytes("this is not a zip archive, just text"),
                       "not a zip archive");
        expect_refused(put_bytes(std::string(4096, '\0')), "not a zip archive");

        // A stored storage record with a flipped byte: CRC error.
        std::vector<float> marker = { 1234.5f, 6789.25f, -42.125f, 7.0f, 8.0f, 9.0f };
        auto good = put_zip(archive("model",
                                    module_pickle({ { "w", "0", 6, 0, { 6 }, { 1 } } }),
                                    { { "0", floats(marker) } }));
        read_torchscript(good); // intact, it reads
        std::string bytes = slurp(good);
        size_t at = bytes.find(floats(marker));
        CPPUNIT_ASSERT(at != std::string::npos);
        std::string bad = bytes;
        bad[at + 5] ^= 0x40;
        expect_refused(put_bytes(bad), "CRC");

        // A deflated data.pkl with damaged compressed data.
        auto es = archive("model",
                          module_pickle({ { "w", "0", 6, 0, { 6 }, { 1 } } }),
                          { { "0", floats(marker) } });
        es[1].deflate = true;
        bytes = slurp(put_zip(es));
        size_t local = bytes.find("model/data.pkl") - 30;
        CPPUNIT_ASSERT(bytes.compare(local, 4, "PK\x03\x04") == 0);
        auto u16 = [&](size_t at) {
            return size_t(uint8_t(bytes[at])) | size_t(uint8_t(bytes[at + 1])) << 8;
        };
        size_t data = local + 30 + u16(local + 26) + u16(local + 28);
        bad = bytes;
        for (size_t i = data; i < data + 24; i++)
            bad[i] = char(0xff);
        expect_refused(put_bytes(bad), "data.pkl");

        // The central directory's signature broken.
        size_t cd = bytes.find("PK\x01\x02");
        CPPUNIT_ASSERT(cd != std::string::npos);
        bad = bytes;
        bad[cd + 2] = 'X';
        expect_refused(put_bytes(bad), "zip");

        // Sizes that lie (a small declared size over a larger deflated stream,
        // as a zip bomb would): local header and central directory agree.
        size_t central = bytes.find("model/data.pkl", local + 31) - 46;
        CPPUNIT_ASSERT(bytes.compare(central, 4, "PK\x01\x02") == 0);
        bad = bytes;
        bad.replace(local + 22, 4, le32(10));
        bad.replace(central + 24, 4, le32(10));
        expect_refused(put_bytes(bad), "data.pkl");
    }

    void refuses_truncated_file()
    {
        auto good =
            put_zip(archive("model",
                            module_pickle({ { "w", "0", 6, 0, { 2, 3 }, { 3, 1 } } }),
                            { { "0", floats(iota(6)) } },
                            { { "amr_meta.json", "{}" } }));
        const std::string bytes = slurp(good);
        for (size_t n : { size_t(1),
                          size_t(4),
                          size_t(22),
                          bytes.size() / 4,
                          bytes.size() / 2,
                          bytes.size() - 22,
                          bytes.size() - 1 }) {
            auto p = put_bytes(bytes.substr(0, n));
            try {
                read_torchscript(p);
                CPPUNIT_FAIL("accepted a file truncated to " + std::to_string(n) +
                             " bytes");
            } catch (const input_error& e) {
                CPPUNIT_ASSERT(std::string(e.what()).find(p) != std::string::npos);
            }
        }
        // Records cut out of the middle, the directory intact.
        size_t cd = bytes.find("PK\x01\x02");
        expect_refused(put_bytes(bytes.substr(0, cd / 2) + bytes.substr(cd)), "zip");
        expect_refused(put_bytes(""), "empty file");
    }

    void refuses_missing_records()
    {
        expect_refused(put_zip({ { "model/version", "3\n" } }), "no model/data.pkl");
        expect_refused(put_zip({ { "data.pkl", module_pickle({}) } }),
                       "not in a top folder");
        // torch.save() of a state_dict: an OrderedDict at the top.
        pickler p;
        p.global("collections", "OrderedDict").raw(")R");
        expect_refused(put_zip(archive("model", p.done(), {})), "torch.save");
        // A module whose state is not its attribute dict.
        pickler q;
        q.global("__torch__", "M").raw(")\x81").integer(3).raw("b");
        expect_refused(put_zip(archive("model", q.done(), {})), "no attribute dict");
        // A storage record that is not there.
        expect_refused(
            put_zip(archive("model",
                            module_pickle({ { "w", "7", 6, 0, { 6 }, { 1 } } }),
                            { { "0", floats(iota(6)) } })),
            "model/data/7 is missing");
        expect_refused(put_zip(archive("model", "\x01\x02 garbage", {})), "opcode");
        expect_refused(put_zip(archive("model", "", {})), "empty file, not a pickle");
    }

    void refuses_short_storage()
    {
        // Declared 6 floats, 20 bytes present.
        expect_refused(one_tensor({ "w", "0", 6, 0, { 6 }, { 1 } }, floats(iota(5))),
                       "fewer than the 6 float32");
        // A tensor reaching past its 6-float storage: by size, offset, stride.
        expect_refused(one_tensor({ "w", "0", 6, 0, { 7 }, { 1 } }), "reach element 6");
        expect_refused(one_tensor({ "w", "0", 6, 6, { 1 }, { 1 } }), "reach element 6");
        expect_refused(one_tensor({ "w", "0", 6, 0, { 2, 3 }, { 3, 2 } }),
                       "reach element 7");
        expect_refused(one_tensor({ "w", "0", 6, 6, {}, {} }), "tensor 'w'");
        // But the storage need not be used whole.
        auto c = read_torchscript(one_tensor({ "w", "0", 6, 4, { 2 }, { 1 } }));
        CPPUNIT_ASSERT((c.tensors.at("w").data == std::vector<float>{ 4, 5 }));
    }

    void refuses_overflowing_tensors()
    {
        const int64_t big = int64_t(1) << 62, max = INT64_MAX;
        expect_refused(one_tensor({ "w", "0", 6, 0, { big, 8 }, { 8, 1 } }), "overflows");
        expect_refused(one_tensor({ "w", "0", 6, 0, { max, max }, { 1, 1 } }),
                       "overflows");
        expect_refused(one_tensor({ "w", "0", 6, 0, { int64_t(1) << 40 }, { 1 } }),
                       "more than");
        expect_refused(one_tensor({ "w", "0", 6, 0, { 5 }, { big } }), "overflows");
        expect_refused(one_tensor({ "w", "0", 6, big, { 2, 2 }, { max, max } }),
                       "overflows");
        expect_refused(one_tensor({ "w", "0", 6, max, { 2 }, { 1 } }), "reach element");
        expect_refused(one_tensor({ "w", "0", 6, 0, { -1 }, { 1 } }), "must be >= 0");
        expect_refused(one_tensor({ "w", "0", 6, 0, { 3 }, { -1 } }), "must be >= 0");
        expect_refused(one_tensor({ "w", "0", 6, -1, { 3 }, { 1 } }), "must be >= 0");
        expect_refused(one_tensor({ "w", "0", -6, 0, { 3 }, { 1 } }), "must be >= 0");
        expect_refused(one_tensor({ "w", "0", max, 0, { 3 }, { 1 } }), "fewer than");
        expect_refused(one_tensor({ "w", "0", 6, 0, { 2, 3 }, { 1 } }),
                       "2 sizes but 1 strides");
        expect_refused(one_tensor({ "w",
                                    "0",
                                    6,
                                    0,
                                    std::vector<int64_t>(65, 1),
                                    std::vector<int64_t>(65, 1) }),
                       "65 dimensions");
        // Zero strides repeat elements: 128 MiB out of 24 bytes is refused.
        expect_refused(one_tensor({ "w", "0", 6, 0, { int64_t(1) << 25 }, { 0 } }),
                       "repeating");
        auto c = read_torchscript(one_tensor({ "w", "0", 6, 2, { 2, 3 }, { 0, 1 } }));
        CPPUNIT_ASSERT(
            (c.tensors.at("w").data == std::vector<float>{ 2, 3, 4, 2, 3, 4 }));
        // Storage keys name records in the zip only.
        expect_refused(one_tensor({ "w", "../0", 6, 0, { 6 }, { 1 } }),
                       "malformed storage key");
    }

    void refuses_disallowed_pickles()
    {
        const std::string marker = "/tmp/amr_torchscript_pwned";
        std::filesystem::remove(marker);
        auto in_archive = [&](const std::string& pkl, const std::string& what) {
            expect_refused(put_zip(archive("model", pkl, { { "0", floats(iota(6)) } })),
                           what);
        };
        pickler a;
        a.global("os", "system").op('(').str("touch " + marker).raw("tR");
        in_archive(a.done(), "'os.system'");
        // As an attribute of a valid module.
        in_archive(module_pickle({},
                                 [&](pickler& p) {
                                     p.str("x")
                                         .global("posix", "system")
                                         .op('(')
                                         .str("touch " + marker)
                                         .raw("tR");
                                 }),
                   "'posix.system'");
        // Protocol 4 STACK_GLOBAL of builtins.eval.
        in_archive(bin("\x80\x04\x8c\x08"
                       "builtins\x8c\x04"
                       "eval\x93."),
                   "'builtins.eval'");
        // NEWOBJ / REDUCE / BUILD only for __torch__ classes.
        pickler n;
        n.str("os").raw(")\x81");
        in_archive(n.done(), "NEWOBJ on str");
        pickler r;
        r.global("torch", "FloatStorage").op('(').integer(6).raw("tR");
        in_archive(r.done(), "REDUCE on 'torch.FloatStorage'");
        pickler b;
        b.raw("]").raw("}b");
        in_archive(b.done(), "BUILD on list");
        in_archive(bin("\x80\x02(S'x'\nios\nsystem\n."), "arbitrary objects");
        in_archive(bin("\x80\x02P0\n."), "persistent ids");
        pickler o;
        o.global("collections", "OrderedDict").str("k").integer(1).raw("\x86\x85R");
        in_archive(o.done(), "OrderedDict with arguments");
        // A value containing itself.
        in_archive(module_pickle({},
                                 [](pickler& p) {
                                     p.str("loop").raw("]q\xf0h\xf0"
                                                       "a");
                                 }),
                   "contains itself");
        // The RML2016 dialect is unchanged: no persistent ids, no torch names.
        auto rml = [&](const std::string& pkl, const std::string& what) {
            auto p = put_bytes(pkl);
            try {
                rml2016_pickle_to_dataset(p, p + ".h5", false);
                CPPUNIT_FAIL("accepted " + p);
            } catch (const input_error& e) {
                std::string m = e.what();
                CPPUNIT_ASSERT_MESSAGE(m, m.find(what) != std::string::npos);
            }
        };
        rml(bin("\x80\x02(X\x01\x00\x00\x00xtQ."), "persistent ids");
        rml(module_pickle({}), "'__torch__.M', which is not part of the RML2016.10a");
        rml(bin("\x80\x02]q\x00h\x00"
                "a."),
            "contains itself");
        CPPUNIT_ASSERT(!std::filesystem::exists(marker));
    }

    void refuses_oversized_entries()
    {
        // 64 MiB + 1 of data.pkl, deflated to ~64 KiB: refused before inflating.
        auto es = archive("model", std::string((64 << 20) + 1, 'N'), {});
        es[0].deflate = true;
        expect_refused(put_zip(es), "more than the limit of 67108864");
        // An extra file likewise.
        auto ex = archive("model",
                          module_pickle({}),
                          {},
                          { { "big.bin", std::string((64 << 20) + 1, 'x') } });
        ex[0].deflate = true;
        expect_refused(put_zip(ex), "extra/big.bin is 67108865 bytes");
        // A pickle building more than 2^20 values (each costs ~300 bytes).
        std::string many = bin("\x80\x02");
        for (int i = 0; i < (1 << 20) + 8; i++)
            many += "N0";
        expect_refused(put_zip(archive("model", many + "N.", {})),
                       "more than 1048576 values");
        // Or more than 2^22 elements in its lists (2 bytes each with BINGET),
        // in rounds of APPENDS that each stay within the stack limit.
        std::string wide = bin("\x80\x02]q\x00");
        for (int round = 0; round < 5; round++) {
            wide += "(";
            for (int i = 0; i < 900000; i++)
                wide += bin("h\x00");
            wide += "e";
        }
        expect_refused(put_zip(archive("model", wide + ".", {})),
                       "more than 4194304 elements");
    }

    void refuses_non_regular_files()
    {
        expect_refused(tmp.path, "a directory");
        expect_refused(tmp.file("nothing.pt"), "cannot open");
        expect_refused("/dev/null", "a character device");
        const std::string fifo = tmp.file("fifo.pt");
        CPPUNIT_ASSERT_EQUAL(0, ::mkfifo(fifo.c_str(), 0600));
        auto run = std::async(std::launch::async, [fifo] {
            try {
                read_torchscript(fifo);
                return std::string("accepted");
            } catch (const input_error& e) {
                return std::string(e.what());
            }
        });
        if (run.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
            // Blocked in open(): a writer releases it, then fail.
            int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
            if (fd >= 0)
                ::close(fd);
            run.wait();
            CPPUNIT_FAIL("reading a FIFO hung");
        }
        std::string m = run.get();
        CPPUNIT_ASSERT_MESSAGE(m,
                               m.find("a FIFO, not a regular file") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(m, m.find(fifo) != std::string::npos);
        // A symbolic link to a model is fine.
        auto real = one_tensor({ "w", "0", 6, 0, { 6 }, { 1 } });
        std::filesystem::create_symlink(real, tmp.file("link.pt"));
        CPPUNIT_ASSERT(read_torchscript(tmp.file("link.pt")).tensors.at("w").data ==
                       iota(6));
    }

    void deep_nesting()
    {
        // 10^6 nested lists, (((...[]...))), and 10^6 nested tuples: parsed,
        // then destroyed without recursing 10^6 deep, in both dialects.
        const size_t depth = 1000000;
        std::string lists =
            bin("\x80\x02") + std::string(depth, '(') + "]" + std::string(depth, 'l');
        std::string tuples = bin("\x80\x02") + ")" + std::string(depth, '\x85');

        // RML2016 dialect (rml2016_pickle_to_dataset): parsed, then refused.
        for (const auto& pkl : { lists, tuples }) {
            auto p = put_bytes(pkl + ".");
            try {
                rml2016_pickle_to_dataset(p, p + ".h5", false);
                CPPUNIT_FAIL("accepted " + p);
            } catch (const input_error& e) {
                std::string m = e.what();
                CPPUNIT_ASSERT_MESSAGE(m, m.find("expected a dict") != std::string::npos);
            }
        }
        // TorchScript dialect: as data.pkl's top level, refused ...
        expect_refused(put_zip(archive("model", lists + ".", {})), "holds a list");
        expect_refused(put_zip(archive("model", tuples + ".", {})), "holds a tuple");
        // ... and as an attribute of a module, accepted (not a tensor).
        auto deep_attr = [&](const std::string& nest) {
            return module_pickle({ { "w", "0", 6, 0, { 6 }, { 1 } } },
                                 [&](pickler& p) { p.str("deep").raw(nest.substr(2)); });
        };
        for (const auto& nest : { lists, tuples }) {
            auto c = read_torchscript(
                put_zip(archive("model", deep_attr(nest), { { "0", floats(iota(6)) } })));
            CPPUNIT_ASSERT(c.tensors.at("w").data == iota(6));
        }
        // Submodules nested 10^5 deep: over the limit, refused.
        pickler s;
        for (int i = 0; i < 100000; i++)
            s.begin_object("__torch__", "M").str("sub");
        s.begin_object("__torch__", "M");
        for (int i = 0; i <= 100000; i++)
            s.end_object();
        expect_refused(put_zip(archive("model", s.done(), {})), "(sub)modules");
    }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(torchscript_archive_test, "torchscript_archive");
