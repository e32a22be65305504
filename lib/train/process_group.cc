/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define USE_C10D_GLOO 1
#include "process_group.h"
#include <gnuradio/amrcompress/error.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/torch.h>
#include <chrono>
#include <cstdlib>
#include <stdexcept>

namespace gr {
namespace amrcompress {

namespace {

using clock_t_ = std::chrono::steady_clock;

bool is_loopback(const std::string& host)
{
    return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// The network device Gloo listens on, chosen as torch.distributed does:
// GLOO_SOCKET_IFNAME when set, loopback for a loopback master, else the
// address this host's name resolves to.
std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string& master)
{
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
        return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
    if (is_loopback(master))
        return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
    return c10d::ProcessGroupGloo::createDefaultDevice();
}

} // namespace

// Gradients of consecutive parameters (in the order backward produces them)
// summed over the ranks as one flat tensor.
struct grad_bucket {
    torch::Tensor flat;
    std::vector<size_t> params;
    size_t ready = 0;
    c10::intrusive_ptr<c10d::Work> work;
};

struct process_group::impl {
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
    double timeout = 0;
    // Gradient synchronisation (attach_gradients)
    std::vector<torch::Tensor> params;
    std::vector<grad_bucket> buckets;
    std::vector<std::pair<size_t, int64_t>> slot; // param -> (bucket, offset)
    bool armed = false;

    void launch(grad_bucket& b)
    {
        std::vector<at::Tensor> v{ b.flat };
        b.work = pg->allreduce(v);
    }
};

process_group::process_group(const dist_config& cfg) : d(std::make_unique<impl>())
{
    if (cfg.world_size < 1 || cfg.rank < 0 || cfg.rank >= cfg.world_size)
        throw input_error("rank " + std::to_string(cfg.rank) + " is not in a world of " +
                          std::to_string(cfg.world_size) +
                          " (ranks are 0 .. world size - 1)");
    if (cfg.world_size > 1 && (cfg.master_port < 1 || cfg.master_port > 65535))
        throw input_error("master port " + std::to_string(cfg.master_port) +
                          " is not a TCP port");
    if (!(cfg.timeout_seconds > 0))
        throw input_error("the distributed timeout must be positive");
    rank_ = cfg.rank;
    size_ = cfg.world_size;
    d->timeout = cfg.timeout_seconds;
    if (size_ == 1)
        return;
    const auto timeout = std::chrono::milliseconds(int64_t(cfg.timeout_seconds * 1000));
    try {
        c10d::TCPStoreOptions so;
        so.port = static_cast<uint16_t>(cfg.master_port);
        so.isServer = rank_ == 0;
        so.numWorkers = size_;
        so.waitWorkers = true;
        so.timeout = timeout;
        d->store = c10::make_intrusive<c10d::PrefixStore>(
            "amrcompress", c10::make_intrusive<c10d::TCPStore>(cfg.master_addr, so));
        auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
        opts->devices.push_back(gloo_device(cfg.master_addr));
        opts->threads = 2;
        d->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(d->store, rank_, size_, opts);
    } catch (const std::exception& e) {
        throw rank_failure(
            "rank " + std::to_string(rank_) + " of " + std::to_string(size_) +
            ": could not join the group at " + cfg.master_addr + ":" +
            std::to_string(cfg.master_port) + " within " +
            std::to_string(int(cfg.timeout_seconds)) +
            " s (is every rank started, with the same --master and --world-size?): " +
            e.what());
    }
}

process_group::~process_group()
{
    // Pending all-reduces (after a failed step) must end before the group.
    for (auto& b : d->buckets)
        if (b.work)
            try {
                b.work->wait();
            } catch (...) {
            }
}

void process_group::fail(const char* what, const std::exception& e) const
{
    throw rank_failure("rank " + std::to_string(rank_) + " of " + std::to_string(size_) +
                       ": " + what +
                       " failed: another rank stopped (died, or did not answer within " +
                       std::to_string(int(d->timeout)) + " s): " + e.what());
}

void process_group::timed(const char* what, const std::function<void()>& op)
{
    if (size_ == 1)
        return;
    const auto t0 = clock_t_::now();
    try {
        op();
    } catch (const std::exception& e) {
        fail(what, e);
    }
    comm_seconds_ += std::chrono::duration<double>(clock_t_::now() - t0).count();
}

void process_group::allreduce_sum(torch::Tensor& t, const char* what)
{
    timed(what, [&] {
        std::vector<at::Tensor> v{ t };
        d->pg->allreduce(v)->wait();
    });
}

void process_group::broadcast(torch::Tensor& t, const char* what)
{
    timed(what, [&] {
        std::vector<at::Tensor> v{ t };
        d->pg->broadcast(v)->wait();
    });
}

std::string process_group::broadcast_bytes(const std::string& bytes, const char* what)
{
    if (size_ == 1)
        return bytes;
    auto n = torch::tensor({ int64_t(rank_ == 0 ? bytes.size() : 0) });
    broadcast(n, what);
    auto buf = torch::empty({ n.item<int64_t>() }, torch::kUInt8);
    if (rank_ == 0)
        std::memcpy(buf.data_ptr(), bytes.data(), bytes.size());
    broadcast(buf, what);
    return std::string(reinterpret_cast<const char*>(buf.data_ptr()), buf.numel());
}

bool process_group::any(bool v, const char* what)
{
    auto t = torch::tensor({ int32_t(v) });
    allreduce_sum(t, what);
    return t.item<int32_t>() != 0;
}

void process_group::barrier(const char* what)
{
    if (size_ == 1)
        return;
    try {
        d->pg->barrier()->wait();
    } catch (const std::exception& e) {
        fail(what, e);
    }
}

void process_group::attach_gradients(const std::vector<torch::Tensor>& params,
                                     size_t bucket_bytes)
{
    if (size_ == 1)
        return;
    // As DistributedDataParallel: every rank starts from rank 0's weights;
    // buckets in reverse parameter order (the order backward makes the
    // gradients ready), the first one small so communication starts early.
    // (Debian's libtorch-dev lacks the headers c10d's own Reducer needs.)
    {
        torch::NoGradGuard ng;
        for (auto p : params)
            broadcast(p, "the first weights broadcast");
    }
    d->params = params;
    d->slot.assign(params.size(), { 0, 0 });
    size_t cap = std::min<size_t>(bucket_bytes, 1 << 20);
    std::vector<std::vector<size_t>> groups(1);
    size_t bytes = 0;
    for (size_t k = params.size(); k-- > 0;) {
        const size_t b = params[k].numel() * sizeof(float);
        if (!groups.back().empty() && bytes + b > cap) {
            groups.emplace_back();
            bytes = 0;
            cap = bucket_bytes;
        }
        groups.back().push_back(k);
        bytes += b;
    }
    for (const auto& g : groups) {
        grad_bucket bk;
        int64_t off = 0;
        for (size_t k : g) {
            if (params[k].scalar_type() != torch::kFloat32)
                throw input_error("data-parallel training needs float32 parameters");
            d->slot[k] = { d->buckets.size(), off };
            off += params[k].numel();
        }
        bk.flat = torch::zeros({ off });
        bk.params = g;
        d->buckets.push_back(std::move(bk));
    }
    // A leaf's hook sees its gradient once per backward; the bucket's
    // all-reduce starts as soon as its last gradient is in (overlapping the
    // rest of backward), and the summed values replace .grad in end_step().
    impl* dp = d.get();
    for (size_t k = 0; k < params.size(); k++) {
        torch::Tensor p = params[k];
        p.register_hook([dp, k](torch::Tensor g) {
            if (!dp->armed)
                return;
            auto [bi, off] = dp->slot[k];
            grad_bucket& b = dp->buckets[bi];
            b.flat.slice(0, off, off + g.numel()).copy_(g.reshape({ -1 }));
            if (++b.ready == b.params.size())
                dp->launch(b);
        });
    }
}

void process_group::begin_step()
{
    if (d->buckets.empty())
        return;
    for (auto& b : d->buckets) {
        b.ready = 0;
        b.work.reset();
    }
    d->armed = true;
}

void process_group::end_step()
{
    if (!d->armed)
        return;
    d->armed = false;
    const auto t0 = clock_t_::now();
    try {
        for (auto& b : d->buckets) {
            if (!b.work) { // a parameter without gradient this step: it adds zeros
                for (size_t k : b.params)
                    if (!d->params[k].grad().defined()) {
                        auto [bi, off] = d->slot[k];
                        b.flat.slice(0, off, off + d->params[k].numel()).zero_();
                    }
                d->launch(b);
            }
            b.work->wait();
        }
    } catch (const std::exception& e) {
        fail("a training step's gradient all-reduce", e);
    }
    comm_seconds_ += std::chrono::duration<double>(clock_t_::now() - t0).count();
    torch::NoGradGuard ng;
    for (auto& b : d->buckets) {
        b.flat.div_(size_);
        for (size_t k : b.params) {
            auto& p = d->params[k];
            auto [bi, off] = d->slot[k];
            auto avg = b.flat.slice(0, off, off + p.numel()).view(p.sizes());
            if (p.grad().defined())
                p.mutable_grad().copy_(avg);
            else
                p.mutable_grad() = avg.clone();
        }
        b.work.reset();
    }
}

} // namespace amrcompress
} // namespace gr
