/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * amr prune: FCOS or one of the nine baselines on a trained model.
 */
#include "cli.h"
#include <gnuradio/amrcompress/prune.h>
#include <cstdio>
#include <iostream>
#include <memory>

namespace amr {

namespace {

std::string method_list()
{
    std::string s;
    for (const auto& m : gr::amrcompress::pruning_methods())
        s += "\n  " + m.name + " (" + m.kind + (m.soft ? ", soft" : "") +
             "): " + m.summary;
    return s;
}

} // namespace

int cmd_prune(const std::vector<std::string>& args)
{
    using namespace gr::amrcompress;
    prune_config c;
    std::string json_out;
    po::options_description o(
        "Prune a trained convolutional model (cnn1d, resnet, cnn2d), fine-tune it and "
        "export it (OUT/model.pt, "
        "TorchScript with metadata) with a report (OUT/report.json, OUT/report.md): "
        "parameters, FLOPs and test accuracy before and after, channels per layer, "
        "linear "
        "probes, removed layers. The data split is amr train's (same --train-fraction "
        "and "
        "SNR range give the same test set). Methods:" +
        method_list());
    o.add_options()("dataset", po::value(&c.dataset)->required(), "dataset (HDF5)")(
        "model,m", po::value(&c.model)->required(), "trained model (.pt from amr train)")(
        "out,o", po::value(&c.out_dir)->required(), "output directory")(
        "method",
        po::value(&c.method)->default_value("fcos"),
        "pruning method (see above)")(
        "channel-keep",
        po::value(&c.channel_keep)->default_value(0.5, "0.5"),
        "epsilon: fraction of every layer's channels kept, floor(c * epsilon) (Eq. 3)")(
        "target-params",
        po::value(&c.target_params)->default_value(0, "0"),
        "baselines: prune until this fraction of the parameters is gone (overrides "
        "--channel-keep; layer methods: instead of --layers)")(
        "layers",
        po::value(&c.layers)->default_value(0),
        "layer baselines: layers to remove")(
        "distance",
        po::value(&c.distance)->default_value("cosine"),
        "FCOS channel distance: cosine (Eq. 1-2) or euclidean (Eq. 9)")(
        "fusion",
        po::value(&c.fusion)->default_value("mean"),
        "FCOS fusion weights: mean (Eq. 5) or l1 (Eq. 10-12)")(
        "input-fusion",
        po::value(&c.input_fusion)->default_value("sum"),
        "how the next layer's inputs follow a fusion: sum (keeps the network's function) "
        "or literal (cluster the input slices again, Algorithm 1 line 13 read "
        "literally)")(
        "fusion-order",
        po::value(&c.fusion_order)->default_value("output-first"),
        "with --input-fusion literal: output-first or input-first (Table VI)")(
        "stop-after",
        po::value(&c.stop_after),
        "channel-fusion: export the stage-1 model "
        "without any fine-tuning")(
        "beta",
        po::value(&c.beta)->default_value(0.01, "0.01"),
        "LaCD: remove layer i when |Acc_i - Acc_{i-1}| <= beta (Eq. 8)")(
        "diagnosis-epochs",
        po::value(&c.diagnosis_epochs)->default_value(20),
        "FCOS: fine-tuning epochs before the linear probes")(
        "probe-epochs",
        po::value(&c.probe_epochs)->default_value(5),
        "linear probe epochs")("probe-lr",
                               po::value(&c.probe_lr)->default_value(1e-3),
                               "linear probe learning rate")(
        "probe-batch",
        po::value(&c.probe_batch)->default_value(128),
        "linear probe batch size")(
        "probe-holdout",
        po::value(&c.probe_holdout)->default_value(0.1, "0.1"),
        "share of the train part that scores the probes (and SR-init, RFP, PSR)")(
        "probe-data",
        po::value(&c.probe_data)->default_value("holdout"),
        "holdout (score the probes on --probe-holdout of the train part) or test "
        "(fit on the train part, score on the test part, as the authors' code does: "
        "the test set then chooses the layers)")(
        "epochs,e", po::value(&c.epochs)->default_value(80), "final fine-tuning epochs")(
        "batch-size,b", po::value(&c.batch_size)->default_value(128), "batch size")(
        "lr", po::value(&c.lr)->default_value(1e-3), "Adam learning rate")(
        "lr-step", po::value(&c.lr_step)->default_value(10), "StepLR step (epochs)")(
        "lr-gamma", po::value(&c.lr_gamma)->default_value(0.8, "0.8"), "StepLR factor")(
        "snr-min", po::value(&c.snr_min), "lowest SNR used (dB)")(
        "snr-max", po::value(&c.snr_max), "highest SNR used (dB)")(
        "train-fraction",
        po::value(&c.train_fraction)->default_value(0.8, "0.8"),
        "train share of each (class, SNR) group, as in amr train")(
        "seed", po::value(&c.seed)->default_value(1), "seed")(
        "threads,j",
        po::value(&c.threads)->default_value(0),
        "intra-op threads (0: as amr train)")(
        "resume",
        po::bool_switch(&c.resume),
        "go on from OUT's fine-tuning checkpoints (finetune-K.pt, written after every "
        "epoch) of a stopped run with the same settings")(
        "json", po::value(&json_out), "also write the report JSON here ('-' = stdout)");
    po::positional_options_description pos;
    pos.add("dataset", 1);
    po::variables_map vm;
    if (!parse("prune",
               "DATASET -m MODEL.pt -o OUT [--method M] [options]",
               args,
               o,
               pos,
               vm))
        return 0;

    std::string stage;
    std::unique_ptr<progress> bar;
    auto on_progress = [&](const std::string& s, size_t done, size_t total) {
        if (s != stage) {
            stage = s;
            bar = std::make_unique<progress>("amr prune: " + s);
        }
        (*bar)(done, total);
    };
    auto r = prune_model(c, on_progress);
    std::fprintf(stderr, "\n");
    std::printf(
        "amr prune: %s: params %zu -> %zu (-%.2f %%), FLOPs %.2fM -> %.2fM (-%.2f %%), "
        "test accuracy %.4f -> %.4f (%+.4f)\n",
        c.method.c_str(),
        r.params_before,
        r.params_after,
        100.0 * (1 - double(r.params_after) / r.params_before),
        r.flops_before / 1e6,
        r.flops_after / 1e6,
        100.0 * (1 - r.flops_after / r.flops_before),
        r.acc_before,
        r.acc_after,
        r.acc_after - r.acc_before);
    std::printf("  model %s\n  report %s, %s\n",
                r.model_path.c_str(),
                r.report_md_path.c_str(),
                r.report_path.c_str());
    if (json_out == "-")
        std::cout << r.report_json << "\n";
    else if (!json_out.empty()) {
        std::FILE* f = std::fopen(json_out.c_str(), "w");
        if (!f) {
            std::fprintf(stderr, "amr prune: cannot write %s\n", json_out.c_str());
            return 1;
        }
        std::fputs(r.report_json.c_str(), f);
        std::fclose(f);
    }
    return 0;
}

} // namespace amr
