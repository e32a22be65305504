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
#include <filesystem>
#include <iostream>

namespace amr {

int forward_to_ml(const std::vector<std::string>& args)
{
    std::string tool = "amr-ml";
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec && std::filesystem::exists(self.parent_path() / "amr-ml"))
        tool = (self.parent_path() / "amr-ml").string();
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
