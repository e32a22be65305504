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
int cmd_quantize(const std::vector<std::string>&);
int forward_to_ml(const std::vector<std::string>&);

const std::vector<command>& commands()
{
    static const std::vector<command> c = [] {
        std::vector<command> c = {
            { "gen", "generate an RML2016.10a-style dataset with GNU Radio", cmd_gen },
            { "info", "summarise a dataset and check its labels", cmd_info },
            { "convert", "RML2016 pickle / SigMF <-> dataset", cmd_convert },
            { "subset",
              "select frames (index file, class, SNR, split) into a new file",
              cmd_subset },
            { "quantize",
              "int8 calibration of a model for the native engine",
              cmd_quantize },
        };
        // Model commands run in amr-ml (LibTorch), see forward_to_ml().
        for (const auto& d : ml_command_descriptions())
            c.push_back({ d.name, d.summary, forward_to_ml });
        return c;
    }();
    return c;
}

} // namespace amr
