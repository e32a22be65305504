/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_ERROR_H
#define INCLUDED_AMRCOMPRESS_ERROR_H

#include <gnuradio/amrcompress/api.h>
#include <stdexcept>
#include <string>

namespace gr {
namespace amrcompress {

/*!
 * \brief Bad input: a file or argument that cannot be used as given.
 *
 * The message always names the file (when there is one) and the problem, so
 * that the command-line tool can print it as-is and exit non-zero.
 */
class AMRCOMPRESS_API input_error : public std::runtime_error
{
public:
    explicit input_error(const std::string& what) : std::runtime_error(what) {}
    input_error(const std::string& path, const std::string& problem)
        : std::runtime_error(path + ": " + problem)
    {
    }
};

} // namespace amrcompress
} // namespace gr

#endif
