/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * amr quantize: int8 calibration for the native engine, without LibTorch.
 */
#include "cli.h"
#include "deploy/native/quantize_model.h"
#include "summary.h"
#include <cstdio>

namespace amr {

int cmd_quantize(const std::vector<std::string>& args)
{
    using namespace gr::amrcompress;
    std::string model, dataset, out, json_out;
    deploy::quantize_options q;
    po::options_description o(
        "Calibrate a model for int8 inference on the native engine: the range of every "
        "activation over a sample of the training split (seeded, deterministic), stored "
        "in "
        "a copy of the model (extra/amr_int8.json; still a TorchScript file). Weights "
        "get "
        "per-channel scales at load. Run it with: classifier(precision='int8'), amr eval "
        "--precision int8");
    o.add_options()("model", po::value(&model)->required(), "model.pt")(
        "dataset",
        po::value(&dataset)->required(),
        "the dataset it was trained on (HDF5)")(
        "out,o", po::value(&out)->required(), "the calibrated model file")(
        "frames,n", po::value(&q.frames)->default_value(2048), "calibration frames")(
        "seed", po::value(&q.seed)->default_value(1), "which training frames")(
        "train-fraction",
        po::value(&q.train_fraction)->default_value(0.8, "0.8"),
        "split whose training part is sampled (as amr train)")(
        "json", po::value(&json_out), "also write the summary as JSON");
    po::positional_options_description pos;
    pos.add("model", 1).add("dataset", 1);
    po::variables_map vm;
    if (!parse("quantize", "MODEL DATASET -o OUT [options]", args, o, pos, vm))
        return 0;
    const auto s = deploy::quantize_model(model, dataset, out, q);
    std::printf(
        "amr quantize: %zu activation ranges from %zu training frames of %s\n  %s "
        "(run it with --precision int8)\n",
        s["max_abs"].size(),
        s["frames"].get<size_t>(),
        dataset.c_str(),
        out.c_str());
    if (!json_out.empty())
        write_json(s, json_out);
    return 0;
}

} // namespace amr
