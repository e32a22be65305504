/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A pickle *interpreter* for data only. It walks the opcodes like Python's
 * unpickler but builds plain values, and the only "callables" it knows are
 * the few numpy/codecs names needed to describe an ndarray, which it emulates
 * symbolically. Any other global, any object-creating opcode and any unknown
 * opcode is refused: nothing in the file can make it run code. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_PICKLE_READER_H
#define INCLUDED_AMRCOMPRESS_PICKLE_READER_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {
namespace pickle {

struct value;
using vptr = std::shared_ptr<value>;

enum class kind {
    none,
    boolean,
    integer,
    floating,
    bytes, // Python 2 str, Python 3 bytes
    text,  // Python 3 str / unicode, UTF-8
    tuple,
    list,
    dict,
    global, // a whitelisted name, not callable by itself
    dtype,
    ndarray,
};

struct value {
    kind k = kind::none;
    int64_t i = 0;
    double f = 0;
    std::string s;                                  // bytes/text/global name
    std::vector<vptr> items;                        // tuple, list
    std::vector<std::pair<vptr, vptr>> entries;     // dict
    // dtype / ndarray
    std::string descr;                              // e.g. "f4"
    char byte_order = '=';
    std::vector<int64_t> shape;
    vptr array_dtype;
    std::string data;                               // raw array bytes
    bool fortran = false;
};

//! Parses a whole pickle; throws input_error(path, ...) on anything not allowed.
vptr parse(const std::string& bytes, const std::string& path);

std::string describe(const vptr& v); //!< short type name, for error messages

} // namespace pickle
} // namespace amrcompress
} // namespace gr

#endif
