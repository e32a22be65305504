/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The subcommands that need LibTorch, run by amr-ml (amr forwards to it).
 */
#include "cli.h"

namespace amr {

int cmd_model(const std::vector<std::string>&);
int cmd_train(const std::vector<std::string>&);
int cmd_eval(const std::vector<std::string>&);
int cmd_bench(const std::vector<std::string>&);

const std::vector<command>& commands()
{
    static const std::vector<command> c = {
        { "model", "parameters, FLOPs and specs of the model architectures", cmd_model },
        { "train", "train a model, recording per-sample training dynamics", cmd_train },
        { "eval", "accuracy, per-SNR accuracy and confusion matrix of a model", cmd_eval },
        { "bench", "benchmarks (train: C++ vs Python PyTorch)", cmd_bench },
    };
    return c;
}

} // namespace amr
