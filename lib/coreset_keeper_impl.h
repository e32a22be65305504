/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_CORESET_KEEPER_IMPL_H
#define INCLUDED_AMRCOMPRESS_CORESET_KEEPER_IMPL_H

#include "capture/label_state.h"
#include "keeper/keeper_core.h"
#include <gnuradio/amrcompress/coreset_keeper.h>
#include <atomic>
#include <set>

namespace gr {
namespace amrcompress {

class coreset_keeper_impl : public coreset_keeper
{
public:
    coreset_keeper_impl(const keeper::keeper_config& cfg,
                        size_t hop,
                        const std::string& label,
                        double snr_db,
                        bool backpressure);
    ~coreset_keeper_impl() override;

    size_t size() const override { return d_core->stats().size; }
    uint64_t refreshes() const override { return d_core->stats().refreshes; }
    int frame_length() const override { return int(d_L); }
    std::vector<std::string> classes() const override { return d_core->classes(); }
    std::string stats() const override;
    void set_label(const std::string& label) override;
    std::string label() const override { return d_labels.parameter().label; }
    void save() override { d_core->save(); }

    bool start() override;
    bool stop() override;
    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    void on_refresh(const keeper::keeper_stats& s,
                    const std::string& exported); // worker thread
    void consider(const gr_complex* frame, uint64_t first);
    int class_of(const std::string& name) const;

    std::unique_ptr<keeper::keeper_core> d_core;
    size_t d_L, d_hop;
    bool d_backpressure;
    capture::label_state d_labels;
    uint64_t d_next = 0; // offset of the next frame's first sample
    std::atomic<uint64_t> d_unlabelled{ 0 }, d_unknown{ 0 }, d_mixed{ 0 };
    uint64_t d_last_unlabelled_log = 0, d_last_refused_log = 0;
    std::set<std::string> d_refused_labels;
};

} // namespace amrcompress
} // namespace gr

#endif
