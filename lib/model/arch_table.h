/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Looking an architecture up in a table built from architectures.def.
 * Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_ARCH_TABLE_H
#define INCLUDED_AMRCOMPRESS_ARCH_TABLE_H

#include <gnuradio/amrcompress/error.h>
#include <cstddef>
#include <string>
#include <utility>

namespace gr {
namespace amrcompress {
namespace model {

//! The entry of `arch`; throws input_error listing the table's names
//! (joined by `sep`) after `unknown` when there is none.
template <class Fn, size_t N>
Fn find_arch(const std::pair<const char*, Fn> (&table)[N],
             const std::string& arch,
             const std::string& unknown,
             const char* sep = ", ")
{
    std::string known;
    for (const auto& [name, fn] : table) {
        if (arch == name)
            return fn;
        known += (known.empty() ? "" : sep) + std::string(name);
    }
    throw input_error(unknown + " (" + known + ")");
}

} // namespace model
} // namespace amrcompress
} // namespace gr

#endif
