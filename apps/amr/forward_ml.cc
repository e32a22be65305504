/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `amr train|eval|model|bench ...` runs `amr-ml` with the same arguments:
 * only those commands load LibTorch (~0.7 s at every start otherwise).
 */
#include "cli.h"
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <iostream>

namespace amr {

int forward_to_ml(const std::vector<std::string>& args)
{
    const std::string tool = sibling_tool("amr-ml");
    std::vector<std::string> argv_s = { tool, current_command() };
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(tool.c_str(), argv.data());
    std::cerr << "amr " << current_command() << ": cannot run " << tool << ": "
              << std::strerror(errno) << "\n";
    return 1;
}

} // namespace amr
