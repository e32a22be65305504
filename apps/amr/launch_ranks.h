/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `amr train --nproc N`: N local ranks of one data-parallel job, as torchrun
 * starts them on one host.
 */
#ifndef INCLUDED_AMR_LAUNCH_RANKS_H
#define INCLUDED_AMR_LAUNCH_RANKS_H

#include <string>
#include <vector>

namespace amr {

/*!
 * Runs this executable as `<cmd> ARGS --world-size N --rank i --master
 * 127.0.0.1:PORT` for i = 0 .. N-1 (PORT: a free one) and waits for all.
 * When one rank fails, the others get `grace_seconds` to end with their own
 * error and are then terminated. Returns 0 when every rank succeeded, else the
 * first failed rank's exit code.
 */
int launch_local_ranks(const std::string& cmd,
                       const std::vector<std::string>& args,
                       int nproc,
                       double grace_seconds);

//! A TCP port on 127.0.0.1 that was free a moment ago.
int free_local_port();

} // namespace amr

#endif
