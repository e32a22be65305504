/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The registry of subcommands: adding one is a file and a line here (or in
 * commands_ml.cc, plus a forwarding line here, for commands that need LibTorch).
 */
#include "cli.h"

namespace amr {

int cmd_gen(const std::vector<std::string>&);
int cmd_info(const std::vector<std::string>&);
int cmd_convert(const std::vector<std::string>&);
int cmd_subset(const std::vector<std::string>&);
int forward_to_ml(const std::vector<std::string>&);

const std::vector<command>& commands()
{
    static const std::vector<command> c = {
        { "gen", "generate an RML2016.10a-style dataset with GNU Radio", cmd_gen },
        { "info", "summarise a dataset and check its labels", cmd_info },
        { "convert", "RML2016 pickle / SigMF <-> dataset", cmd_convert },
        { "subset", "select frames (index file, class, SNR, split) into a new file",
          cmd_subset },
        // Model commands run in amr-ml (LibTorch), see forward_to_ml().
        { "model", "parameters, FLOPs and specs of the model architectures", forward_to_ml },
        { "train", "train a model, recording per-sample training dynamics", forward_to_ml },
        { "eval", "accuracy, per-SNR accuracy and confusion matrix of a model", forward_to_ml },
        { "bench", "benchmarks (train: C++ vs Python PyTorch)", forward_to_ml },
    };
    return c;
}

} // namespace amr
