/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A pickle *interpreter* for data only. It walks the opcodes like Python's
 * unpickler but builds plain values, and the only "callables" it knows are
 * the few numpy/codecs names needed to describe an ndarray, which it emulates
 * symbolically. Any other global, any object-creating opcode and any unknown
 * opcode is refused: nothing in the file can make it run code. Private.
 *
 * A second dialect reads a TorchScript archive's data.pkl: it also accepts
 * `__torch__.*` class objects (NEWOBJ/REDUCE + BUILD, kept as kind::object
 * with their state), persistent ids (BINPERSID, kept as kind::persistent) and
 * a few torch names (_rebuild_tensor_v2, kept as kind::tensor with its
 * arguments; the *Storage types; collections.OrderedDict(); the identity
 * helpers of torch.jit._pickle). Still nothing is ever called.
 *
 * In both dialects the result is acyclic (a pickle whose result refers to
 * itself is refused), and values are destroyed iteratively, so any depth of
 * nesting is safe.
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
    // torchscript dialect only
    object,     // s: class name ("__torch__.M"); items: NEWOBJ/REDUCE's arguments;
                // state: what BUILD gave (or null)
    persistent, // state: the persistent id (BINPERSID's argument)
    tensor,     // s: "torch._utils._rebuild_tensor_v2"; items: its arguments
};

struct value {
    kind k = kind::none;
    int64_t i = 0;
    double f = 0;
    std::string s;                              // bytes/text/global name
    std::vector<vptr> items;                    // tuple, list
    std::vector<std::pair<vptr, vptr>> entries; // dict
    // dtype / ndarray
    std::string descr; // e.g. "f4"
    char byte_order = '=';
    std::vector<int64_t> shape;
    vptr array_dtype;
    std::string data; // raw array bytes
    bool fortran = false;
    vptr state;       // object / persistent
    uint8_t mark = 0; // the parser's scratch; 0 outside it

    value() = default;
    value(const value&) = default;
    value(value&&) = default;
    value& operator=(const value&) = default;
    value& operator=(value&&) = default;
    //! Iterative: a chain of 10^6 nested values does not recurse 10^6 deep.
    ~value();
};

enum class dialect {
    rml2016,     //!< numpy float arrays in dicts/tuples/lists (RML2016.10a)
    torchscript, //!< a TorchScript archive's data.pkl (see above)
};

struct options {
    dialect d = dialect::rml2016;
    //! If non-zero, the most values created, and separately the most stack
    //! entries, MARKs and memo entries, and 4x as many elements put into
    //! tuples, lists and dicts, before the pickle is refused (a bound on
    //! memory: every opcode byte can otherwise cost ~300 bytes).
    size_t max_items = 0;
};

//! Parses a whole pickle; throws input_error(path, ...) on anything not allowed.
//! The rml2016 dialect without limits.
vptr parse(const std::string& bytes, const std::string& path);
vptr parse(const std::string& bytes, const std::string& path, const options& opt);

std::string describe(const vptr& v); //!< short type name, for error messages

} // namespace pickle
} // namespace amrcompress
} // namespace gr

#endif
