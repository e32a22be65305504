/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"
#include <gnuradio/amrcompress/train.h>
#include <unistd.h>
#include <cstdio>
#include <iostream>

namespace amr {

int cmd_train(const std::vector<std::string>& args)
{
    using namespace gr::amrcompress;
    train_config c;
    po::options_description o(
        "Train a model on a dataset, recording every training sample's prediction and loss "
        "per epoch (dynamics.h5). Writes OUT/model.pt (TorchScript with metadata), "
        "OUT/metrics.json, OUT/dynamics.h5 and OUT/optimizer.pt");
    o.add_options()
        ("dataset", po::value(&c.dataset)->required(), "dataset (HDF5)")
        ("out,o", po::value(&c.out_dir)->required(), "output directory")
        ("model,m", po::value(&c.model)->default_value("cnn1d"),
         "cnn1d, resnet56, cnn2d, lstm, a JSON spec, or a model.pt to fine-tune")
        ("index", po::value(&c.index_file), "train on the frames in this index file (e.g. a "
                                             "coreset), which must be in the train split")
        ("snr-min", po::value(&c.snr_min), "lowest SNR used (dB); the papers' high-SNR setting is 10")
        ("snr-max", po::value(&c.snr_max), "highest SNR used (dB)")
        ("train-fraction", po::value(&c.train_fraction)->default_value(0.8, "0.8"),
         "train share of each (class, SNR) group; the rest is the test set")
        ("epochs,e", po::value(&c.epochs)->default_value(30), "epochs")
        ("batch-size,b", po::value(&c.batch_size)->default_value(128), "batch size")
        ("lr", po::value(&c.lr)->default_value(1e-3), "Adam learning rate")
        ("lr-step", po::value(&c.lr_step)->default_value(10), "StepLR step (epochs)")
        ("lr-gamma", po::value(&c.lr_gamma)->default_value(0.8, "0.8"), "StepLR factor")
        ("seed", po::value(&c.seed)->default_value(1), "seed (runs reproduce exactly on one thread)")
        ("threads,j", po::value(&c.threads)->default_value(0),
         "intra-op threads; 0 = measured choice: 2 for conv nets of >= 10 MFLOPs/frame, else 1")
        ("eval-every", po::value(&c.eval_every)->default_value(1),
         "evaluate on the test set every N epochs (0: after the last only)")
        ("no-dynamics", "do not write the training-dynamics record");
    po::positional_options_description pos;
    pos.add("dataset", 1);
    po::variables_map vm;
    if (!parse("train", "DATASET -o OUT [options]", args, o, pos, vm))
        return 0;
    c.record_dynamics = !vm.count("no-dynamics");

    progress on_batch("amr train: batches");
    const bool tty = isatty(fileno(stderr));
    auto on_epoch = [&](const epoch_stats& s, int total) {
        std::fprintf(stderr,
                     "%sepoch %d/%d  lr %.2e  train loss %.4f acc %.4f  test loss %.4f acc "
                     "%.4f  (%.1fs + eval %.1fs)\n",
                     tty ? "\r" : "", s.epoch, total, s.lr, s.train_loss, s.train_acc,
                     s.test_loss, s.test_acc, s.seconds, s.eval_seconds);
    };
    auto r = train_model(c, on_epoch, std::ref(on_batch));
    std::printf("amr train: %s, %zu params, %.2f MFLOPs/frame; %zu train / %zu test frames\n",
                c.model.c_str(), r.params, r.flops / 1e6, r.train_frames, r.test_frames);
    std::printf("  final test accuracy %.4f; per SNR:", r.epochs.back().test_acc);
    for (const auto& [snr, a] : r.test_acc_per_snr)
        std::printf(" %g:%.3f", snr, a);
    std::printf("\n  model %s\n  metrics %s\n", r.model_path.c_str(), r.metrics_path.c_str());
    if (!r.dynamics_path.empty())
        std::printf("  dynamics %s\n", r.dynamics_path.c_str());
    return 0;
}

} // namespace amr
