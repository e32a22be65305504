/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A full disk for tests, without a small filesystem: loaded with LD_PRELOAD,
 * it lets pwrite() (what HDF5 writes with) succeed for AMR_ENOSPC_AFTER bytes
 * to files on disk and then fail with ENOSPC, as a full disk does. Python and
 * GNU Radio write with write(), so only the dataset file is affected.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_llong budget = -2; /* -2: not read yet, -1: no limit */

__attribute__((visibility("default"))) ssize_t
pwrite(int fd, const void* buf, size_t n, off_t off)
{
    static ssize_t (*real)(int, const void*, size_t, off_t);
    if (!real)
        real = (ssize_t(*)(int, const void*, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
    if (atomic_load(&budget) == -2) {
        const char* s = getenv("AMR_ENOSPC_AFTER");
        atomic_store(&budget, s ? atoll(s) : -1);
    }
    long long b = atomic_load(&budget);
    struct stat st; /* files in memory (no links) are not on the disk */
    if (b >= 0 && fstat(fd, &st) == 0 && st.st_nlink > 0) {
        if ((long long)n > b) {
            atomic_store(&budget, 0);
            errno = ENOSPC;
            return -1;
        }
        atomic_fetch_sub(&budget, (long long)n);
    }
    return real(fd, buf, n, off);
}
