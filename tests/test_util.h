/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_TEST_UTIL_H
#define INCLUDED_AMRCOMPRESS_TEST_UTIL_H

#include <gnuradio/amrcompress/dataset.h>
#include <string>

namespace test {

//! A fresh temporary directory, removed with its content at destruction.
class temp_dir
{
public:
    temp_dir();
    ~temp_dir();
    std::string file(const std::string& name) const { return path + "/" + name; }
    std::string path;
};

//! n frames of length L with deterministic pseudo-random samples, labels i % classes, SNR
//! 2*(i%5).
gr::amrcompress::frame_block make_frames(size_t n, size_t L, int classes, unsigned seed);
gr::amrcompress::dataset_info make_info(size_t L, int classes);

//! Generated once at path (BPSK, QPSK, GFSK, AM-DSB at 10 and 18 dB, 128
//! samples; X in chunks of frames_per_cell): the training tests' dataset.
std::string four_class_dataset(const std::string& path, size_t frames_per_cell);

} // namespace test

#endif
