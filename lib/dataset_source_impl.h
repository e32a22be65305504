/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_DATASET_SOURCE_IMPL_H
#define INCLUDED_AMRCOMPRESS_DATASET_SOURCE_IMPL_H

#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/dataset_source.h>
#include <chrono>
#include <memory>

namespace gr {
namespace amrcompress {

class dataset_source_impl : public dataset_source
{
public:
    dataset_source_impl(const std::string& path,
                        const std::string& index_file,
                        bool repeat,
                        double sample_rate);

    size_t frames() const override { return d_indices.size(); }
    int frame_length() const override { return int(d_L); }
    uint64_t frames_sent() const override { return d_sent; }

    bool start() override;
    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    void load_block(); // the next frames of the pass into d_block

    std::unique_ptr<dataset_reader> d_ds;
    std::vector<size_t> d_indices;
    std::vector<std::string> d_classes;
    size_t d_L;
    bool d_repeat;
    double d_rate;
    frame_block d_block; // frames d_block_first .. of d_indices
    size_t d_block_first = 0;
    size_t d_pos = 0;    // position in d_indices of the current frame
    size_t d_sample = 0; // next sample within it
    uint64_t d_sent = 0;
    std::chrono::steady_clock::time_point d_t0;
};

} // namespace amrcompress
} // namespace gr

#endif
