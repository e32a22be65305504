/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hdf5_guard.h"
#include <gnuradio/amrcompress/error.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

namespace gr {
namespace amrcompress {
namespace h5 {

namespace {
std::atomic<bool> checks_on{ true };
std::atomic<long long> timeout_ms{ 60000 };
// Set in the checking child: a check nested in another (a reader opened by a
// checked loader) runs directly instead of forking again.
bool in_checking_child = false;

constexpr size_t max_message = 4096;

// In the child: write all of msg (bounded), ignoring errors (the parent
// reports a missing message as a failure anyway).
void write_all(int fd, const std::string& msg)
{
    const char* p = msg.data();
    size_t left = std::min(msg.size(), max_message);
    while (left > 0) {
        ssize_t w = ::write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        left -= static_cast<size_t>(w);
    }
}

// The child's private writable memory now (VmData), from /proc; 0 if unknown.
uint64_t data_bytes_now()
{
    FILE* f = std::fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    char line[256];
    unsigned long long kb = 0;
    while (std::fgets(line, sizeof line, f))
        if (std::sscanf(line, "VmData: %llu kB", &kb) == 1)
            break;
    std::fclose(f);
    return uint64_t(kb) * 1024;
}

[[noreturn]] void run_child(int fd, const std::function<void()>& check)
{
    in_checking_child = true;
    // Dies with its parent: a child stuck in libhdf5 is not left spinning.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    // A corrupt variable-length string can make libhdf5 malloc 10 GB. Real
    // metadata needs megabytes: the child may grow by 2 GiB, so such a file
    // fails in it (an allocation error, reported) instead of succeeding
    // there and then costing the parent the same.
    if (const uint64_t now = data_bytes_now()) {
        const rlim_t cap = rlim_t(now + (uint64_t(2) << 30));
        rlimit r{ cap, cap };
        ::setrlimit(RLIMIT_DATA, &r);
    }
    int code = 0;
    try {
        check();
    } catch (const std::bad_alloc&) {
        write_all(fd,
                  "corrupt HDF5 metadata: reading it needs more memory than any valid "
                  "file's metadata does (a corrupt size)");
        code = 1;
    } catch (const std::exception& e) {
        write_all(fd, e.what());
        code = 1;
    } catch (...) {
        write_all(fd, "unknown error");
        code = 1;
    }
    ::close(fd);
    // _exit, not exit: no atexit handlers, so libhdf5 does not flush or close
    // the files the parent holds (a capture being written, say).
    ::_exit(code);
}

// Reads what the child wrote until it closes the pipe or the deadline passes.
// False on timeout.
bool read_message(int fd,
                  std::chrono::steady_clock::time_point deadline,
                  std::string& out)
{
    char buf[512];
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        pollfd p{ fd, POLLIN, 0 };
        int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return false;
        if (r == 0)
            continue;
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return true; // EOF: the child closed its end (or died)
        if (out.size() < max_message)
            out.append(buf, static_cast<size_t>(n));
    }
}

// The child's own message starts with the path (input_error); drop it so the
// parent's input_error does not name the file twice.
std::string strip_path(const std::string& path, std::string msg)
{
    const std::string prefix = path + ": ";
    if (msg.compare(0, prefix.size(), prefix) == 0)
        msg.erase(0, prefix.size());
    return msg;
}
} // namespace

void set_subprocess_checks(bool on) { checks_on = on; }
std::chrono::milliseconds check_timeout()
{
    return std::chrono::milliseconds(timeout_ms.load());
}
void set_check_timeout(std::chrono::milliseconds t) { timeout_ms = t.count(); }
bool in_checking_subprocess() { return in_checking_child; }
bool subprocess_checks() { return checks_on; }

void check_in_subprocess(const std::string& path,
                         const std::function<void()>& check,
                         std::chrono::milliseconds timeout)
{
    if (!checks_on || in_checking_child) {
        check();
        return;
    }
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        throw input_error(path,
                          std::string("cannot check the file: pipe failed (") +
                              std::strerror(errno) + ")");
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    pid_t pid = ::fork();
    if (pid < 0) {
        int err = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        throw input_error(path,
                          std::string("cannot check the file: fork failed (") +
                              std::strerror(err) + ")");
    }
    if (pid == 0) {
        ::close(fds[0]);
        run_child(fds[1], check);
    }
    ::close(fds[1]);
    std::string msg;
    bool finished = read_message(fds[0], deadline, msg);
    ::close(fds[0]);
    int status = 0;
    if (!finished) {
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        throw input_error(path,
                          "libhdf5 did not finish reading the file's metadata within " +
                              std::to_string(timeout.count() / 1000) +
                              " s: the file is corrupt (or on a stalled file system)");
    }
    // The pipe is closed: the child is exiting. Wait for it, bounded too.
    for (;;) {
        pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR)
            throw input_error(path, "cannot check the file: lost its checking process");
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            throw input_error(path, "checking the file did not finish in time");
        }
        ::usleep(200);
    }
    if (WIFSIGNALED(status))
        throw input_error(
            path,
            std::string("corrupt HDF5 metadata: libhdf5 crashed reading it (") +
                strsignal(WTERMSIG(status)) +
                " in a checking subprocess); the file cannot be used");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw input_error(path,
                          msg.empty()
                              ? "corrupt HDF5 metadata: reading it failed in a checking "
                                "subprocess (exit status " +
                                    std::to_string(WEXITSTATUS(status)) +
                                    "); the file cannot be used"
                              : strip_path(path, msg));
}

} // namespace h5
} // namespace amrcompress
} // namespace gr
