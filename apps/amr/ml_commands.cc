/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Names and summaries of the subcommands that run in amr-ml: amr lists and
 * forwards them, amr-ml runs them. One table for both.
 */
#include "cli.h"

namespace amr {

const std::vector<command_description>& ml_command_descriptions()
{
    static const std::vector<command_description> d = {
        { "model", "parameters, FLOPs and specs of the model architectures" },
        { "train", "train a model, recording per-sample training dynamics" },
        { "eval", "accuracy, per-SNR accuracy and confusion matrix of a model" },
        { "select", "coreset selection: FoQuS and ten baselines, class-balanced" },
        { "prune", "model pruning: FCOS and nine baselines, with a report" },
        { "bench",
          "benchmarks (train: C++ vs Python; coreset: FoQuS protocol; select: speed; "
          "prune: FCOS protocol; infer: inference engines)" },
    };
    return d;
}

} // namespace amr
