/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Which frames train and which test, shared by training and pruning. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_DATA_SPLIT_H
#define INCLUDED_AMRCOMPRESS_DATA_SPLIT_H

#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/train.h>
#include <vector>

namespace gr {
namespace amrcompress {

struct data_split {
    std::vector<size_t> train, test;
};

/*!
 * The stratified per-(class, SNR) split of train_config (train_fraction, SNR
 * range); with an index file, its frames (which must lie in the train part)
 * replace the train part. Throws input_error when a part comes out empty.
 */
data_split choose_frames(const dataset_reader& ds, const train_config& cfg);

} // namespace amrcompress
} // namespace gr

#endif
