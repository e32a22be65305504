/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "atomic_file.h"
#include <gnuradio/amrcompress/error.h>
#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace gr {
namespace amrcompress {

namespace {
std::string errno_text() { return std::strerror(errno); }

std::string parent_of(const std::string& path)
{
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}
} // namespace

void sync_file(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw input_error(path, "cannot reopen to sync it (" + errno_text() + ")");
    const int r = ::fsync(fd);
    const std::string why = r != 0 ? errno_text() : "";
    ::close(fd);
    if (r != 0)
        throw input_error(path, "cannot sync to disk (" + why + ")");
}

void sync_parent_directory(const std::string& path)
{
    const std::string dir = parent_of(path);
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        throw input_error(path,
                          "cannot open its directory to sync it (" + errno_text() + ")");
    const int r = ::fsync(fd);
    const std::string why = r != 0 ? errno_text() : "";
    ::close(fd);
    // Some file systems do not support fsync on directories (EINVAL): the
    // rename is then as durable as they can make it.
    if (r != 0 && why != std::strerror(EINVAL))
        throw input_error(path, "cannot sync its directory (" + why + ")");
}

atomic_file::atomic_file(const std::string& path) : d_path(path), d_temp(path + suffix) {}

atomic_file::~atomic_file()
{
    if (!d_done)
        std::remove(d_temp.c_str());
}

void atomic_file::commit()
{
    sync_file(d_temp);
    if (std::rename(d_temp.c_str(), d_path.c_str()) != 0) {
        const std::string why = errno_text();
        std::remove(d_temp.c_str());
        d_done = true;
        throw input_error(d_path, "cannot move " + d_temp + " into place (" + why + ")");
    }
    d_done = true;
    sync_parent_directory(d_path);
}

void write_file_atomically(const std::string& path, const std::string& bytes)
{
    atomic_file f(path);
    const int fd =
        ::open(f.temp_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        throw input_error(f.temp_path(), "cannot create (" + errno_text() + ")");
    const char* p = bytes.data();
    size_t left = bytes.size();
    while (left > 0) {
        const ssize_t w = ::write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            const std::string why = w < 0 ? errno_text() : "no progress";
            ::close(fd);
            throw input_error(f.temp_path(), "write failed (" + why + "; disk full?)");
        }
        p += w;
        left -= static_cast<size_t>(w);
    }
    if (::close(fd) != 0)
        throw input_error(f.temp_path(), "write failed at close (" + errno_text() + ")");
    f.commit();
}

} // namespace amrcompress
} // namespace gr
