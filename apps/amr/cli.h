/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared pieces of the amr command-line tool.
 */
#ifndef INCLUDED_AMR_CLI_H
#define INCLUDED_AMR_CLI_H

#include <boost/program_options.hpp>
#include <chrono>
#include <string>
#include <vector>

namespace amr {

namespace po = boost::program_options;

//! One subcommand: `amr <name> ...`. Returns the process exit code.
struct command {
    const char* name;
    const char* summary;
    int (*run)(const std::vector<std::string>& args);
};

const std::vector<command>& commands();

struct command_description {
    const char* name;
    const char* summary;
};
//! The subcommands that need LibTorch and run in amr-ml.
const std::vector<command_description>& ml_command_descriptions();

//! The subcommand being run (set by main before dispatch).
const std::string& current_command();
void set_current_command(const std::string& name);

/*!
 * Parses args against opts (+ positionals); prints help and returns false when
 * --help was given. Throws po::error on bad usage.
 */
bool parse(const std::string& cmd,
           const std::string& usage,
           const std::vector<std::string>& args,
           po::options_description& opts,
           const po::positional_options_description& pos,
           po::variables_map& vm);

//! Progress on stderr: rewritten in place on a terminal, a line every few seconds
//! otherwise.
class progress
{
public:
    explicit progress(std::string what);
    void operator()(size_t done, size_t total);

private:
    std::string what;
    std::chrono::steady_clock::time_point start, last;
    bool tty;
    bool seen = false; //!< a step was reported
    size_t base = 0;   //!< steps done before this process's first
};

//! This executable's path (for re-running itself), or "amr" if unknown.
std::string self_path();
//! The path of `name` beside this executable if it is there, else `name` (PATH lookup).
std::string sibling_tool(const std::string& name);

//! "a,b,c" -> {a, b, c} (empty items dropped); `sep` for another separator.
std::vector<std::string> split_list(const std::string& s, char sep = ',');

//! The built-in model names (lib/model/presets.def) joined by ", ", for help texts.
std::string model_names();

/*!
 * "0.1,0.2" -> {0.1, 0.2}. Throws input_error naming `what` for an item that
 * is not a number and, when `count` > 0, for a list of another length.
 */
std::vector<double> parse_numbers(const std::string& s,
                                  const std::string& what,
                                  size_t count = 0,
                                  char sep = ',');

} // namespace amr

#endif
