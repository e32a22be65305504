/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "data_split.h"
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/selection.h>
#include <algorithm>

namespace gr {
namespace amrcompress {

data_split choose_frames(const dataset_reader& ds, const train_config& cfg)
{
    frame_filter f;
    f.snr_min = cfg.snr_min;
    f.snr_max = cfg.snr_max;
    auto in_range = select_frames(ds, f);
    auto parts = stratified_split(ds.labels(), ds.snr_db(), cfg.train_fraction, in_range);
    data_split out;
    out.test = parts.test;
    if (cfg.index_file.empty()) {
        out.train = parts.train;
    } else {
        out.train = read_index_file(cfg.index_file, ds.size());
        std::vector<char> is_test(ds.size(), 0);
        for (size_t i : parts.test)
            is_test[i] = 1;
        for (size_t i : out.train)
            if (is_test[i])
                throw input_error(
                    cfg.index_file,
                    "frame " + std::to_string(i) +
                        " belongs to the test part of the split; an index "
                        "file for training must select from the train part");
        // Keep only frames within the SNR range, in file order.
        f.indices = out.train;
        out.train = select_frames(ds, f);
        std::sort(out.train.begin(), out.train.end());
    }
    if (out.train.empty())
        throw input_error(ds.path(), "no training frames selected");
    if (out.test.empty())
        throw input_error(ds.path(),
                          "no test frames (train fraction 1 or SNR range empty)");
    return out;
}


} // namespace amrcompress
} // namespace gr
