/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../util/atomic_file.h"
#include "../util/input_file.h"
#include "../util/utf8.h"
#include "pickle_reader.h"
#include <gnuradio/amrcompress/convert.h>
#include <gnuradio/amrcompress/dataset_writer.h>
#include <gnuradio/amrcompress/error.h>
#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

namespace gr {
namespace amrcompress {

namespace {

struct cell {
    std::string cls;
    int snr;
    pickle::vptr array;
};

bool little_endian_host()
{
    const uint16_t one = 1;
    return *reinterpret_cast<const uint8_t*>(&one) == 1;
}

// Checks one dict entry against the documented structure.
cell check_entry(const std::string& path,
                 const pickle::vptr& key,
                 const pickle::vptr& val,
                 size_t& frame_length)
{
    using pickle::kind;
    if (key->k != kind::tuple || key->items.size() != 2 ||
        !(key->items[0]->k == kind::bytes || key->items[0]->k == kind::text) ||
        key->items[1]->k != kind::integer)
        throw input_error(path,
                          "a key is a " + pickle::describe(key) +
                              ", expected (modulation name, SNR) as (str, int)");
    cell c{ key->items[0]->s, static_cast<int>(key->items[1]->i), val };
    std::string where = "(" + c.cls + ", " + std::to_string(c.snr) + ")";
    if (c.cls.empty())
        throw input_error(path, "empty modulation name in a key");
    if (!is_valid_utf8(c.cls))
        throw input_error(path, "a modulation name in a key is not valid UTF-8 text");
    if (val->k != kind::ndarray || !val->array_dtype)
        throw input_error(path,
                          "value of " + where + " is a " + pickle::describe(val) +
                              ", expected a float32 numpy array [n, 2, L]");
    const auto& dt = *val->array_dtype;
    bool le = dt.byte_order == '<' ||
              ((dt.byte_order == '=' || dt.byte_order == '|') && little_endian_host());
    if (dt.descr != "f4" || !le)
        throw input_error(path,
                          "array " + where + " has dtype '" + dt.byte_order + dt.descr +
                              "', expected little-endian float32");
    const auto& s = val->shape;
    if (s.size() != 3 || s[1] != 2 || s[0] < 1 || s[2] < 1)
        throw input_error(path,
                          "array " + where + " has the wrong shape (expected [n, 2, L])");
    if (val->fortran)
        throw input_error(path,
                          "array " + where + " is Fortran-ordered; expected C order");
    if (frame_length && size_t(s[2]) != frame_length)
        throw input_error(path,
                          "arrays differ in frame length (" +
                              std::to_string(frame_length) + " vs " +
                              std::to_string(s[2]) + " at " + where + ")");
    if (uint64_t(s[2]) > (uint64_t(1) << 24))
        throw input_error(path,
                          "array " + where + " claims frames of " + std::to_string(s[2]) +
                              " samples, more than a frame can have (2^24)");
    frame_length = s[2];
    // Checked: a shape such as 2^62 x 2 x 128 wraps to a small product.
    uint64_t need = 0;
    if (__builtin_mul_overflow(uint64_t(s[0]), uint64_t(2) * uint64_t(s[2]) * 4, &need))
        throw input_error(path,
                          "array " + where + " claims " + std::to_string(s[0]) +
                              " frames, whose size overflows 64 bits");
    if (val->data.size() != need)
        throw input_error(path,
                          "array " + where + " holds " +
                              std::to_string(val->data.size()) +
                              " bytes, its shape needs " + std::to_string(need));
    return c;
}

} // namespace

void rml2016_pickle_to_dataset(const std::string& pickle_path,
                               const std::string& out_path,
                               bool overwrite)
{
    // RML2016.10b, the largest of the family, is 3.6 GB as a pickle.
    const std::string bytes = read_small_file(pickle_path, "pickle", 16ull << 30);

    auto root = pickle::parse(bytes, pickle_path);
    if (root->k != pickle::kind::dict)
        throw input_error(pickle_path,
                          "top level is a " + pickle::describe(root) +
                              ", expected a dict {(mod, snr): array}");
    if (root->entries.empty())
        throw input_error(pickle_path, "the dict is empty");

    size_t L = 0;
    std::vector<cell> cells;
    for (const auto& [k, v] : root->entries)
        cells.push_back(check_entry(pickle_path, k, v, L));

    // Class order: RML2016's documented order for its names, others after, sorted.
    std::vector<std::string> classes;
    for (const auto& c : rml2016_classes())
        if (std::any_of(
                cells.begin(), cells.end(), [&](const cell& x) { return x.cls == c; }))
            classes.push_back(c);
    std::vector<std::string> others;
    for (const auto& c : cells)
        if (std::find(classes.begin(), classes.end(), c.cls) == classes.end() &&
            std::find(others.begin(), others.end(), c.cls) == others.end())
            others.push_back(c.cls);
    std::sort(others.begin(), others.end());
    classes.insert(classes.end(), others.begin(), others.end());

    auto rank = [&](const cell& c) {
        return std::find(classes.begin(), classes.end(), c.cls) - classes.begin();
    };
    std::sort(cells.begin(), cells.end(), [&](const cell& a, const cell& b) {
        return rank(a) != rank(b) ? rank(a) < rank(b) : a.snr < b.snr;
    });
    for (size_t i = 1; i < cells.size(); i++)
        if (cells[i].cls == cells[i - 1].cls && cells[i].snr == cells[i - 1].snr)
            throw input_error(pickle_path,
                              "key (" + cells[i].cls + ", " +
                                  std::to_string(cells[i].snr) + ") appears twice");

    dataset_info info;
    info.classes = classes;
    info.frame_length = L;
    info.source = "RML2016.10a-style pickle: " + pickle_path;
    info.normalisation = "l1"; // as RML2016.10a was distributed (x / sum|x| per window)
    info.description = "Converted by amr convert from a pickle of {(mod, snr): float32 "
                       "[n, 2, L]}; frames keep their order within each (mod, snr).";
    if (!overwrite && std::ifstream(out_path).good())
        throw input_error(out_path, "file exists (use --force to overwrite)");
    // Written under a temporary name so a failure leaves no half dataset.
    atomic_file out(out_path);
    const std::string& tmp = out.temp_path();
    {
        writer_options t;
        t.overwrite = true;
        dataset_writer w(tmp, info, t);
        try {
            for (const auto& c : cells) {
                const size_t n = c.array->shape[0];
                frame_block b;
                b.frame_length = L;
                b.iq.resize(n * L * 2);
                const float* src = reinterpret_cast<const float*>(c.array->data.data());
                // [n, 2, L] (I row, Q row) -> [n, L, 2]
                std::vector<float> tmpf(n * 2 * L);
                std::memcpy(tmpf.data(), src, tmpf.size() * 4);
                for (size_t f = 0; f < n; f++)
                    for (size_t t2 = 0; t2 < L; t2++) {
                        b.iq[(f * L + t2) * 2] = tmpf[f * 2 * L + t2];
                        b.iq[(f * L + t2) * 2 + 1] = tmpf[f * 2 * L + L + t2];
                    }
                b.labels.assign(n, static_cast<int32_t>(rank(c)));
                b.snr_db.assign(n, static_cast<float>(c.snr));
                try {
                    w.append(b);
                } catch (const input_error& e) {
                    throw input_error(pickle_path,
                                      "array (" + c.cls + ", " + std::to_string(c.snr) +
                                          "): " + e.what());
                }
            }
            w.close();
        } catch (...) {
            w.close();
            throw; // out removes the temporary
        }
    }
    out.commit();
}

} // namespace amrcompress
} // namespace gr
