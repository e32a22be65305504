/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_CLASSIFIER_IMPL_H
#define INCLUDED_AMRCOMPRESS_CLASSIFIER_IMPL_H

#include "deploy/frame_normaliser.h"
#include "deploy/inference_engine.h"
#include <gnuradio/amrcompress/classifier.h>
#include <deque>
#include <mutex>

namespace gr {
namespace amrcompress {

class classifier_impl : public classifier
{
public:
    classifier_impl(const std::string& model_path,
                    int hop,
                    int batch_size,
                    int threads,
                    int queue_frames,
                    bool backpressure,
                    bool passthrough,
                    bool probabilities,
                    double sample_rate,
                    int frame_length,
                    bool optimize);
    ~classifier_impl() override;

    int frame_length() const override { return int(d_L); }
    std::vector<std::string> classes() const override { return d_engine->info().classes; }
    uint64_t frames_classified() const override { return d_engine->stats().classified; }
    uint64_t frames_dropped() const override { return d_engine->stats().dropped; }
    std::string stats() const override;
    void set_model(const std::string& model_path) override;

    bool stop() override;
    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    void on_results(std::vector<frame_result>& results); // engine thread
    void handle_model_msg(const pmt::pmt_t& msg);
    pmt::pmt_t to_pmt(const frame_result& r) const;
    void note_time_tags(uint64_t from, uint64_t to);

    size_t d_L, d_hop;
    bool d_backpressure, d_passthrough, d_probabilities;
    double d_sample_rate;
    size_t d_classes;
    std::unique_ptr<frame_normaliser> d_norm;
    std::unique_ptr<inference_engine> d_engine;

    std::vector<gr_complex> d_hist; // samples from offset d_hist_start on
    uint64_t d_hist_start = 0;
    uint64_t d_next = 0;            // offset of the next frame's first sample
    uint64_t d_seen = 0;            // samples already framed (input may be re-offered)
    uint64_t d_tags_copied = 0;     // upstream tags passed through up to this offset
    std::vector<float> d_frame;
    uint64_t d_bad_frames = 0, d_last_drop_log = 0, d_last_bad_log = 0;

    // rx_time bookkeeping (scheduler thread writes, engine thread reads).
    mutable std::mutex d_time_mtx;
    bool d_have_time = false;
    uint64_t d_time_offset = 0, d_time_secs = 0;
    double d_time_frac = 0;
    std::vector<std::string> d_labels;

    // Results waiting for the stream outputs (tags, probability vectors).
    std::mutex d_out_mtx;
    std::deque<frame_result> d_pending_tags, d_pending_probs;
    int d_pass_port = -1, d_prob_port = -1;
};

} // namespace amrcompress
} // namespace gr

#endif
