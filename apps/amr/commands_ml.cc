/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The subcommands that need LibTorch, run by amr-ml (amr forwards to it).
 */
#include "cli.h"
#include "train/torch_runtime.h"
#include <map>

namespace amr {

int cmd_model(const std::vector<std::string>&);
int cmd_train(const std::vector<std::string>&);
int cmd_eval(const std::vector<std::string>&);
int cmd_select(const std::vector<std::string>&);
int cmd_bench(const std::vector<std::string>&);
int cmd_prune(const std::vector<std::string>&);

const std::vector<command>& commands()
{
    static const std::vector<command> c = [] {
        // This process is the tool's own: its LibTorch entry points may tune
        // it (malloc thresholds, OpenBLAS threads; lib/train/torch_runtime.h),
        // which a library inside someone else's process does not do.
        gr::amrcompress::set_process_tuning(true);
        const std::map<std::string, int (*)(const std::vector<std::string>&)> run = {
            { "model", cmd_model },   { "train", cmd_train }, { "eval", cmd_eval },
            { "select", cmd_select }, { "prune", cmd_prune }, { "bench", cmd_bench }
        };
        std::vector<command> c;
        for (const auto& d : ml_command_descriptions())
            c.push_back({ d.name, d.summary, run.at(d.name) });
        return c;
    }();
    return c;
}

} // namespace amr
