/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Data-parallel training's communication, on PyTorch's own engine: c10d's
 * TCPStore for the rendezvous, ProcessGroupGloo for the collectives and the
 * DistributedDataParallel Reducer for bucketed gradient all-reduce overlapped
 * with backward. c10d and Gloo headers stay in process_group.cc. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_PROCESS_GROUP_H
#define INCLUDED_AMRCOMPRESS_PROCESS_GROUP_H

#include <gnuradio/amrcompress/train.h>
#include <torch/types.h>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {

//! Another rank stopped, or the group could not form: the job must end.
struct rank_failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class process_group
{
public:
    //! Joins the group (blocks until all ranks are there, or the timeout).
    //! world_size 1 needs no network: every collective is the identity.
    explicit process_group(const dist_config& cfg);
    ~process_group();
    process_group(const process_group&) = delete;
    process_group& operator=(const process_group&) = delete;

    int rank() const { return rank_; }
    int size() const { return size_; }
    bool leader() const { return rank_ == 0; }

    //! In-place sum over the ranks (every rank ends with the same bytes).
    void allreduce_sum(torch::Tensor& t, const char* what);
    //! In-place copy of rank 0's tensor to every rank.
    void broadcast(torch::Tensor& t, const char* what);
    //! Rank 0's bytes on every rank (e.g. a checkpoint file).
    std::string broadcast_bytes(const std::string& bytes, const char* what);
    //! Whether any rank says true (e.g. a failure to report everywhere).
    bool any(bool v, const char* what);
    void barrier(const char* what);

    /*!
     * Gradient synchronisation of `params`, as DistributedDataParallel does
     * it: for a backward between begin_step() and end_step(), each bucket of
     * about bucket_bytes of gradients is all-reduced as soon as backward has
     * produced it, and end_step() waits for the sums and leaves the average
     * over the ranks in .grad. Without begin_step() a backward stays local
     * (DDP's no_sync). Broadcasts rank 0's values of params first.
     */
    void attach_gradients(const std::vector<torch::Tensor>& params, size_t bucket_bytes);
    void begin_step();
    void end_step();

    //! Rethrows e, a collective's failure, as a clear error naming `what`.
    [[noreturn]] void fail(const char* what, const std::exception& e) const;

    //! Seconds spent waiting in collectives outside backward (not overlapped).
    double comm_seconds() const { return comm_seconds_; }

private:
    struct impl;
    std::unique_ptr<impl> d;
    int rank_ = 0, size_ = 1;
    double comm_seconds_ = 0;
    //! Runs a blocking collective: nothing on one rank; failures via fail();
    //! its time counted in comm_seconds().
    void timed(const char* what, const std::function<void()>& op);
};

} // namespace amrcompress
} // namespace gr

#endif
