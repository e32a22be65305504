/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs independent commands N at a time, each in its own process (so
 * LibTorch's global thread pool and RNG of one run cannot touch another).
 */
#ifndef INCLUDED_AMR_JOB_POOL_H
#define INCLUDED_AMR_JOB_POOL_H

#include <functional>
#include <string>
#include <vector>

namespace amr {

struct job {
    std::string command; //!< argv[0..]; run without a shell
    std::vector<std::string> argv;
    std::string log; //!< stdout and stderr go here
};

/*!
 * Runs the jobs, `parallel` at a time; calls done(i, exit_status) as each
 * finishes (from the calling thread, in completion order). Returns the
 * number of jobs that failed.
 */
size_t run_jobs(const std::vector<job>& jobs,
                size_t parallel,
                const std::function<void(size_t, int)>& done);

//! Quotes a command line for logs and error messages.
std::string command_line(const job& j);

} // namespace amr

#endif
