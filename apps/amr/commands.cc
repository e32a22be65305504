/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The registry of subcommands: adding one is a file and a line here.
 */
#include "cli.h"

namespace amr {

int cmd_gen(const std::vector<std::string>&);
int cmd_info(const std::vector<std::string>&);
int cmd_convert(const std::vector<std::string>&);
int cmd_subset(const std::vector<std::string>&);
int cmd_model(const std::vector<std::string>&);
int cmd_train(const std::vector<std::string>&);
int cmd_eval(const std::vector<std::string>&);
int cmd_bench(const std::vector<std::string>&);

const std::vector<command>& commands()
{
    static const std::vector<command> c = {
        { "gen", "generate an RML2016.10a-style dataset with GNU Radio", cmd_gen },
        { "info", "summarise a dataset and check its labels", cmd_info },
        { "convert", "RML2016 pickle / SigMF <-> dataset", cmd_convert },
        { "subset", "select frames (index file, class, SNR, split) into a new file",
          cmd_subset },
        { "model", "parameters, FLOPs and specs of the model architectures", cmd_model },
        { "train", "train a model, recording per-sample training dynamics", cmd_train },
        { "eval", "accuracy, per-SNR accuracy and confusion matrix of a model", cmd_eval },
        { "bench", "benchmarks (train: C++ vs Python PyTorch)", cmd_bench },
    };
    return c;
}

} // namespace amr
