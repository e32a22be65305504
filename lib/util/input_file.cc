/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "input_file.h"
#include <gnuradio/amrcompress/error.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace gr {
namespace amrcompress {

namespace {
const char* file_type(mode_t m)
{
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a regular file";
}
} // namespace

uint64_t require_regular_file(const std::string& path, const char* what)
{
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        throw input_error(path,
                          std::string("cannot open the ") + what + ": " +
                              (errno == ENOENT ? "no such file" : std::strerror(errno)));
    if (!S_ISREG(st.st_mode))
        throw input_error(path,
                          std::string("is ") + file_type(st.st_mode) +
                              ", not a regular file (a " + what + " must be one)");
    if (::access(path.c_str(), R_OK) != 0)
        throw input_error(path,
                          std::string("cannot read the ") + what + " (" +
                              std::strerror(errno) + ")");
    return static_cast<uint64_t>(st.st_size);
}

std::string read_small_file(const std::string& path, const char* what, uint64_t max_bytes)
{
    require_regular_file(path, what);
    // O_NONBLOCK: should the path have been swapped for a FIFO since the
    // check, open does not block; fstat then refuses it.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        throw input_error(path,
                          std::string("cannot open the ") + what + " (" +
                              std::strerror(errno) + ")");
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw input_error(path, std::string("is not a regular ") + what + " file");
    }
    if (static_cast<uint64_t>(st.st_size) > max_bytes) {
        ::close(fd);
        throw input_error(path,
                          std::string("is ") + std::to_string(st.st_size) +
                              " bytes, more than a " + what + " can be (" +
                              std::to_string(max_bytes) + " bytes)");
    }
    std::string out;
    out.reserve(static_cast<size_t>(st.st_size));
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            throw input_error(path,
                              std::string("read error in the ") + what + " (" +
                                  std::strerror(err) + ")");
        }
        if (n == 0)
            break;
        if (out.size() + static_cast<size_t>(n) > max_bytes) {
            ::close(fd);
            throw input_error(path,
                              std::string("grew past the ") + what +
                                  " size limit while being read");
        }
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
}

} // namespace amrcompress
} // namespace gr
