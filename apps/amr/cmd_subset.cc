/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/selection.h>
#include <iostream>

namespace amr {

int cmd_subset(const std::vector<std::string>& args)
{
    using namespace gr::amrcompress;
    std::string in, out, index, classes, split, index_out;
    float snr_min, snr_max;
    double train_fraction;
    size_t chunk_frames = 1024;
    po::options_description o(
        "Select frames by index file, class, SNR range and/or split part, and write them "
        "to a new dataset and/or an index file");
    o.add_options()("input", po::value(&in)->required(), "input dataset")(
        "output,o", po::value(&out), "output dataset")(
        "index", po::value(&index), "start from the frames in this index file")(
        "classes", po::value(&classes), "comma-separated class names to keep")(
        "snr-min",
        po::value(&snr_min)->default_value(-1e9f, "-inf"),
        "lowest SNR kept (dB)")("snr-max",
                                po::value(&snr_max)->default_value(1e9f, "inf"),
                                "highest SNR kept (dB)")(
        "split",
        po::value(&split),
        "keep only the 'train' or 'test' part of the stratified "
        "per-(class, SNR) split")("train-fraction",
                                  po::value(&train_fraction)->default_value(0.8, "0.8"),
                                  "train share of each (class, SNR) group")(
        "write-index", po::value(&index_out), "write the selected indices to this file")(
        "chunk-frames",
        po::value(&chunk_frames)->default_value(1024),
        "frames per HDF5 chunk of the output (a capture's small chunks stream slowly)")(
        "force,f", "overwrite the output");
    po::positional_options_description pos;
    pos.add("input", 1);
    po::variables_map vm;
    if (!parse("subset",
               "INPUT [-o OUTPUT] [--write-index FILE] [options]",
               args,
               o,
               pos,
               vm))
        return 0;
    if (chunk_frames < 1 || chunk_frames > (size_t(1) << 20))
        throw input_error("--chunk-frames must be 1 .. 1048576");
    if (out.empty() && index_out.empty())
        throw input_error("nothing to write: give -o OUTPUT and/or --write-index FILE");

    dataset_reader ds(in);
    frame_filter f;
    if (!index.empty())
        f.indices = read_index_file(index, ds.size());
    f.classes = split_list(classes);
    f.snr_min = snr_min;
    f.snr_max = snr_max;
    auto sel = select_frames(ds, f);
    if (!split.empty()) {
        if (split != "train" && split != "test")
            throw input_error("--split must be 'train' or 'test'");
        // The split is defined on the whole file, so train/test do not depend on filters.
        auto parts = stratified_split(ds.labels(), ds.snr_db(), train_fraction);
        const auto& part = split == "train" ? parts.train : parts.test;
        std::vector<char> in_part(ds.size(), 0);
        for (size_t i : part)
            in_part[i] = 1;
        std::vector<size_t> kept;
        for (size_t i : sel)
            if (in_part[i])
                kept.push_back(i);
        sel.swap(kept);
    }
    std::cout << "amr subset: " << sel.size() << " of " << ds.size()
              << " frames selected\n";
    if (!index_out.empty())
        write_index_file(index_out, sel, "selected from " + in);
    if (!out.empty())
        write_subset(ds, sel, out, vm.count("force") > 0, chunk_frames);
    return 0;
}

} // namespace amr
