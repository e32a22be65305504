/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Loads item k + 1 on a background thread while the caller works on item k,
 * so reading the dataset overlaps training or inference. At most two items
 * are alive at once: the one handed out and the one being read. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_READ_AHEAD_H
#define INCLUDED_AMRCOMPRESS_READ_AHEAD_H

#include <functional>
#include <future>
#include <utility>

namespace gr {
namespace amrcompress {

template <class T>
class read_ahead
{
public:
    read_ahead(size_t count, std::function<T(size_t)> load)
        : count_(count), load_(std::move(load))
    {
        start(0);
    }
    // A pending read finishes before the loader (and what it reads from) goes.
    ~read_ahead()
    {
        if (next_.valid())
            next_.wait();
    }
    read_ahead(const read_ahead&) = delete;
    read_ahead& operator=(const read_ahead&) = delete;

    /*!
     * The next item into `out` (whose old value is released first); false
     * after the last. An exception of the loader is rethrown here.
     */
    bool next(T& out)
    {
        out = T();
        if (k_ >= count_)
            return false;
        T v = next_.get();
        start(++k_);
        out = std::move(v);
        return true;
    }

private:
    void start(size_t k)
    {
        if (k < count_)
            next_ = std::async(std::launch::async, load_, k);
    }

    size_t count_, k_ = 0;
    std::function<T(size_t)> load_;
    std::future<T> next_;
};

} // namespace amrcompress
} // namespace gr

#endif
