/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs commands N at a time, each in its own process (so LibTorch's global
 * thread pool and RNG of one run cannot touch another), in list order as far
 * as their dependencies allow.
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
    //! Jobs (earlier in the list) that must succeed before this one starts.
    std::vector<size_t> after;
    //! Called just before the start with the argv to complete (e.g. from an
    //! earlier job's output); false skips the job.
    std::function<bool(std::vector<std::string>&)> prepare;
};

//! done()'s status for a job that never started: a dependency failed or
//! prepare() declined.
constexpr int job_skipped = -1;

/*!
 * Runs the jobs, `parallel` at a time: whenever a slot is free, the first job
 * in list order whose dependencies have succeeded. Calls done(i, status) as
 * each finishes or is skipped (from the calling thread, in completion order;
 * status is the exit code, 128 + signal, or job_skipped), and started(i), if
 * given, as each starts, so a long run can say what it is doing between
 * completions. Returns the number of jobs that failed or were skipped.
 */
size_t run_jobs(const std::vector<job>& jobs,
                size_t parallel,
                const std::function<void(size_t, int)>& done,
                const std::function<void(size_t)>& started = {});

//! Quotes a command line for logs and error messages.
std::string command_line(const job& j);

} // namespace amr

#endif
