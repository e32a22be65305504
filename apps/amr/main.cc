/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * amr: the offline tool of gr-amrcompress. `amr <command> --help` for each.
 */
#include "cli.h"
#include <gnuradio/amrcompress/error.h>
#include <iostream>

namespace {
void usage(std::ostream& os)
{
    os << "usage: amr <command> [options]\n\ncommands:\n";
    for (const auto& c : amr::commands())
        os << "  " << c.name << std::string(10 - std::string(c.name).size(), ' ')
           << c.summary << "\n";
    os << "\n'amr <command> --help' describes each command.\n";
}
} // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        usage(std::cerr);
        return 2;
    }
    std::string name = argv[1];
    if (name == "-h" || name == "--help" || name == "help") {
        usage(std::cout);
        return 0;
    }
    std::vector<std::string> args(argv + 2, argv + argc);
    for (const auto& c : amr::commands()) {
        if (name != c.name)
            continue;
        amr::set_current_command(name);
        try {
            return c.run(args);
        } catch (const amr::po::error& e) {
            std::cerr << "amr " << name << ": " << e.what() << " (see 'amr " << name
                      << " --help')\n";
            return 2;
        } catch (const gr::amrcompress::input_error& e) {
            std::cerr << "amr " << name << ": error: " << e.what() << "\n";
            return 1;
        } catch (const std::exception& e) {
            std::cerr << "amr " << name << ": failed: " << e.what() << "\n";
            return 1;
        }
    }
    std::cerr << "amr: unknown command '" << name << "'\n\n";
    usage(std::cerr);
    return 2;
}
