/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../../model/model_meta.h"
#include "../model_frames.h"
#include "native_backend.h"
#include "quantize_model.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/model.h>
#include <gnuradio/amrcompress/selection.h>
#include <algorithm>
#include <random>

namespace gr {
namespace amrcompress {
namespace deploy {

nlohmann::json quantize_model(const std::string& model_path,
                              const std::string& dataset,
                              const std::string& out,
                              const quantize_options& opt)
{
    if (opt.frames == 0)
        throw input_error("int8 calibration needs at least one frame");
    const model_info info = read_model_info(model_path);
    dataset_reader ds(dataset);
    if (ds.info().frame_length != info.frame_length || ds.info().classes != info.classes)
        throw input_error(dataset,
                          "is not the data of " + model_path + " (" +
                              std::to_string(info.frame_length) + "-sample frames of " +
                              std::to_string(info.classes.size()) + " classes expected)");
    auto train = stratified_split(ds.labels(), ds.snr_db(), opt.train_fraction).train;
    if (train.empty())
        throw input_error(dataset, "has no training frames to calibrate on");
    std::mt19937_64 rng(opt.seed);
    std::shuffle(train.begin(), train.end(), rng);
    train.resize(std::min(train.size(), opt.frames));
    std::sort(train.begin(), train.end());

    const size_t F = 2 * info.frame_length;
    std::vector<float> x(train.size() * F);
    ds.for_each_block(train, 4096, [&](const frame_block& b, size_t first) {
        to_model_layout(b, x.data() + first * F);
    });
    const int8_calibration cal = calibrate_int8(model_path, x.data(), train.size());
    nlohmann::json prov = { { "dataset", dataset },
                            { "split", "train" },
                            { "train_fraction", opt.train_fraction },
                            { "seed", opt.seed } };
    write_int8_calibration(model_path, out, cal, prov);
    prov["model"] = model_path;
    prov["out"] = out;
    prov["frames"] = cal.frames;
    prov["max_abs"] = cal.max_abs;
    return prov;
}

} // namespace deploy
} // namespace amrcompress
} // namespace gr
