/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "job_pool.h"
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>

extern char** environ;

namespace amr {

std::string command_line(const job& j)
{
    std::string s;
    for (const auto& a : j.argv)
        s += (s.empty() ? "" : " ") +
             (a.find(' ') == std::string::npos ? a : "'" + a + "'");
    return s;
}

namespace {

pid_t start(const job& j)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(
        &fa, STDOUT_FILENO, j.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    std::vector<char*> argv;
    for (const auto& a : j.argv)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid;
    int rc = posix_spawn(&pid, j.command.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        throw std::runtime_error("cannot start " + j.command + ": " + std::strerror(rc));
    return pid;
}

} // namespace

size_t run_jobs(const std::vector<job>& jobs,
                size_t parallel,
                const std::function<void(size_t, int)>& done,
                const std::function<void(size_t)>& started)
{
    enum class state { waiting, running, succeeded, failed };
    std::vector<state> st(jobs.size(), state::waiting);
    for (size_t i = 0; i < jobs.size(); i++)
        for (size_t d : jobs[i].after)
            if (d >= i) // earlier jobs only: no cycles, and one pass decides
                throw std::logic_error("run_jobs: job " + std::to_string(i) +
                                       " depends on a later job");
    std::map<pid_t, size_t> running;
    size_t failed = 0, settled = 0;
    parallel = std::max<size_t>(parallel, 1);
    auto finish = [&](size_t i, int code) {
        st[i] = code == 0 ? state::succeeded : state::failed;
        failed += code != 0;
        settled++;
        if (done)
            done(i, code);
    };
    while (settled < jobs.size()) {
        // Skip what can no longer run, then start what can, in list order.
        for (size_t i = 0; i < jobs.size(); i++) {
            if (st[i] != state::waiting)
                continue;
            bool ready = true, doomed = false;
            for (size_t d : jobs[i].after) {
                ready = ready && st[d] == state::succeeded;
                doomed = doomed || st[d] == state::failed;
            }
            if (doomed) {
                finish(i, job_skipped);
                continue;
            }
            if (!ready || running.size() >= parallel)
                continue;
            job j = jobs[i];
            if (j.prepare && !j.prepare(j.argv)) {
                finish(i, job_skipped);
                continue;
            }
            running[start(j)] = i;
            st[i] = state::running;
            if (started)
                started(i);
        }
        if (running.empty())
            continue; // everything left was just skipped
        int status = 0;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
        }
        auto it = running.find(pid);
        if (it == running.end())
            continue;
        const size_t i = it->second;
        running.erase(it);
        finish(i, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    return failed;
}

} // namespace amr
