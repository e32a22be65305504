/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The keeper's coreset on disk: an ordinary dataset file (docs/dataset-format.md:
 * X, Y, snr_db, capture_time, capture_id), so `amr train`, `amr info` and
 * h5py read it as it is, plus a /keeper group with each frame's FoQuS tally
 * and the keeper's counters. Written whole to NAME.tmp, synced, then renamed
 * over NAME: a kill at any moment leaves the previous or the new coreset.
 */
#ifndef INCLUDED_AMRCOMPRESS_KEEPER_STATE_FILE_H
#define INCLUDED_AMRCOMPRESS_KEEPER_STATE_FILE_H

#include "coreset/foqus_policy.h"
#include <gnuradio/amrcompress/api.h>
#include <gnuradio/amrcompress/dataset.h>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {
namespace keeper {

struct snapshot {
    dataset_info info;
    frame_block frames;                        //!< with capture_time and capture_id
    std::vector<coreset::foqus_tally> tallies; //!< one per frame
    std::string state_json;                    //!< the keeper's counters and settings
};

//! Writes atomically (NAME.tmp, fsync, rename); input_error when it cannot.
AMRCOMPRESS_API void save_snapshot(const std::string& path, const snapshot& s);

//! Reads a file save_snapshot wrote; input_error for anything else.
AMRCOMPRESS_API snapshot load_snapshot(const std::string& path);

} // namespace keeper
} // namespace amrcompress
} // namespace gr

#endif
