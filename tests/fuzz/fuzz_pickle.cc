/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target: the data-only pickle interpreter (lib/convert/
 * pickle_reader.cc) and the RML2016 converter built on it.
 *
 * Each input is parsed three ways: the rml2016 dialect without limits (as
 * rml2016_pickle_to_dataset parses), the same with a small max_items, and
 * the torchscript dialect with a small max_items (as read_torchscript
 * parses data.pkl, with a smaller limit so that the limit paths are hit).
 * A value that parses is described (pickle::describe) and walked. When the
 * rml2016 parse gives a non-empty dict, the bytes are also written to a
 * scratch file and converted with rml2016_pickle_to_dataset, and the
 * dataset it writes is read back whole with dataset_reader.
 */
#include "convert/pickle_reader.h"
#include "fuzz_common.h"
#include <gnuradio/amrcompress/convert.h>
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <H5Cpp.h>
#include <cstdint>
#include <string>
#include <vector>

using namespace gr::amrcompress;

namespace {

// Visits every value once per path, iteratively, bounded; touches every
// field so that a dangling or half-built value shows up under ASan.
size_t walk(const pickle::vptr& root)
{
    size_t seen = 0, bytes = 0;
    std::vector<const pickle::value*> todo{ root.get() };
    while (!todo.empty() && seen < 100000) {
        const pickle::value* v = todo.back();
        todo.pop_back();
        if (!v)
            continue;
        seen++;
        bytes += v->s.size() + v->data.size() + v->descr.size() + v->shape.size();
        for (const auto& c : v->items)
            todo.push_back(c.get());
        for (const auto& e : v->entries) {
            todo.push_back(e.first.get());
            todo.push_back(e.second.get());
        }
        todo.push_back(v->array_dtype.get());
        todo.push_back(v->state.get());
    }
    return seen + bytes;
}

volatile size_t sink;

void convert_and_read_back(const uint8_t* data, size_t size)
{
    const std::string in = amr_fuzz::write_scratch("in.pkl", data, size);
    const std::string out = amr_fuzz::scratch_path("out.h5");
    std::remove(out.c_str());
    bool converted = amr_fuzz::expect_input_error_only(
        "rml2016_pickle_to_dataset", [&] { rml2016_pickle_to_dataset(in, out, true); });
    if (!converted)
        return;
    // What the converter wrote must read back without complaint.
    try {
        dataset_reader r(out);
        size_t n = 0;
        r.for_each_block({}, 256, [&](const frame_block& b, size_t) { n += b.size(); });
        if (n != r.size()) {
            std::fprintf(
                stderr, "==amr_fuzz== read back %zu of %zu frames\n", n, r.size());
            std::abort();
        }
    } catch (const std::exception& e) {
        amr_fuzz::unexpected(
            "reading back the converted dataset", typeid(e).name(), e.what());
    } catch (const H5::Exception& e) {
        amr_fuzz::unexpected("reading back the converted dataset",
                             "H5::Exception",
                             e.getDetailMsg().c_str());
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    const std::string path = "fuzz.pkl";

    pickle::vptr root;
    amr_fuzz::expect_input_error_only("pickle::parse(rml2016)", [&] {
        root = pickle::parse(bytes, path);
        sink = walk(root) + pickle::describe(root).size();
    });

    amr_fuzz::expect_input_error_only("pickle::parse(rml2016, max_items=64)", [&] {
        pickle::options o;
        o.max_items = 64;
        auto v = pickle::parse(bytes, path, o);
        sink = walk(v) + pickle::describe(v).size();
    });

    amr_fuzz::expect_input_error_only("pickle::parse(torchscript, max_items=256)", [&] {
        pickle::options o;
        o.d = pickle::dialect::torchscript;
        o.max_items = 256;
        auto v = pickle::parse(bytes, path, o);
        sink = walk(v) + pickle::describe(v).size();
    });

    if (root && root->k == pickle::kind::dict && !root->entries.empty()) {
        root.reset();
        convert_and_read_back(data, size);
    }
    return 0;
}
