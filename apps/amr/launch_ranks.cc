/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"
#include "launch_ranks.h"
#include <gnuradio/amrcompress/error.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

namespace amr {

namespace {

volatile std::sig_atomic_t g_signal = 0;
void remember_signal(int s) { g_signal = s; }

int exit_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 1;
}

} // namespace

int free_local_port()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        throw gr::amrcompress::input_error("cannot open a socket to find a free port");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        ::close(fd);
        throw gr::amrcompress::input_error("cannot find a free TCP port on 127.0.0.1");
    }
    ::close(fd);
    return ntohs(a.sin_port);
}

int launch_local_ranks(const std::string& cmd,
                       const std::vector<std::string>& args,
                       int nproc,
                       double grace_seconds)
{
    const std::string self = self_path();
    const std::string master = "127.0.0.1:" + std::to_string(free_local_port());
    std::vector<pid_t> pids;
    for (int rank = 0; rank < nproc; rank++) {
        std::vector<std::string> a = { self, cmd };
        a.insert(a.end(), args.begin(), args.end());
        a.insert(a.end(),
                 { "--world-size",
                   std::to_string(nproc),
                   "--rank",
                   std::to_string(rank),
                   "--master",
                   master });
        std::vector<char*> argv;
        for (auto& s : a)
            argv.push_back(s.data());
        argv.push_back(nullptr);
        const pid_t pid = ::fork();
        if (pid < 0) {
            for (pid_t p : pids)
                ::kill(p, SIGTERM);
            throw gr::amrcompress::input_error("cannot start rank " +
                                               std::to_string(rank));
        }
        if (pid == 0) {
            ::execv(self.c_str(), argv.data());
            std::perror("amr train: cannot start a rank");
            ::_exit(127);
        }
        pids.push_back(pid);
    }
    std::fprintf(stderr,
                 "amr %s: %d local ranks, master %s\n",
                 cmd.c_str(),
                 nproc,
                 master.c_str());

    // Ctrl-C and kill reach the ranks too; the launcher waits for them.
    struct sigaction sa {
    };
    sa.sa_handler = remember_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    using clock = std::chrono::steady_clock;
    int result = 0;
    size_t running = pids.size();
    bool terminated = false, killed = false;
    clock::time_point deadline{};
    while (running > 0) {
        int status = 0;
        const pid_t p = ::waitpid(-1, &status, WNOHANG);
        if (p > 0) {
            for (size_t i = 0; i < pids.size(); i++)
                if (pids[i] == p) {
                    pids[i] = 0;
                    running--;
                    const int code = exit_code(status);
                    if (code != 0 && result == 0) {
                        result = code;
                        std::fprintf(stderr,
                                     "amr %s: rank %zu failed (exit %d); the others get "
                                     "%.0f s to stop\n",
                                     cmd.c_str(),
                                     i,
                                     code,
                                     grace_seconds);
                        deadline = clock::now() +
                                   std::chrono::duration_cast<clock::duration>(
                                       std::chrono::duration<double>(grace_seconds));
                    }
                }
            continue;
        }
        if (g_signal && !terminated) {
            for (pid_t q : pids)
                if (q > 0)
                    ::kill(q, g_signal);
            terminated = true;
            if (result == 0)
                result = 128 + g_signal;
            deadline = clock::now() + std::chrono::seconds(10);
        }
        if (result != 0 && clock::now() > deadline && !killed) {
            for (pid_t q : pids)
                if (q > 0)
                    ::kill(q, terminated ? SIGKILL : SIGTERM);
            if (terminated)
                killed = true;
            terminated = true;
            deadline = clock::now() + std::chrono::seconds(10);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return result;
}

} // namespace amr
