/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_CLASSIFIER_IMPL_H
#define INCLUDED_AMRCOMPRESS_CLASSIFIER_IMPL_H

#include "capture/sticky_tags.h"
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
                    bool optimize,
                    const std::string& precision,
                    const std::string& engine,
                    bool batch_messages,
                    bool class_output,
                    bool frame_messages,
                    bool process_tuning);
    ~classifier_impl() override;

    //! An engine opened before its block (whose output signature needs the
    //! model's class count): the model file is read once, here.
    struct engine_relay;

    int frame_length() const override { return int(d_L); }
    std::vector<std::string> classes() const override { return d_engine->info().classes; }
    uint64_t frames_classified() const override { return d_engine->stats().classified; }
    uint64_t frames_dropped() const override { return d_engine->stats().dropped; }
    std::string stats() const override;
    std::string backend() const override { return d_engine->backend_description(); }
    void set_model(const std::string& model_path) override;

    bool stop() override;
    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    static std::shared_ptr<engine_relay> open_engine(const std::string& model_path,
                                                     int hop,
                                                     int batch_size,
                                                     int threads,
                                                     int queue_frames,
                                                     int frame_length,
                                                     bool optimize,
                                                     const std::string& precision,
                                                     const std::string& engine,
                                                     bool process_tuning);
    classifier_impl(std::shared_ptr<engine_relay> relay,
                    int hop,
                    bool backpressure,
                    bool passthrough,
                    bool probabilities,
                    double sample_rate,
                    bool batch_messages,
                    bool class_output,
                    bool frame_messages);

    void on_results(std::vector<frame_result>& results); // engine thread
    void handle_model_msg(const pmt::pmt_t& msg);
    pmt::pmt_t to_pmt(const frame_result& r); // with d_time_mtx held, in offset order
    pmt::pmt_t
    batch_pmt(const std::vector<frame_result>& results); // with d_time_mtx held
    void set_labels(const std::vector<std::string>& labels);
    void note_time_tags(const std::vector<gr::tag_t>& tags, uint64_t from);

    size_t d_L, d_hop;
    bool d_backpressure, d_passthrough, d_probabilities, d_class_output;
    bool d_batch_messages, d_frame_messages;
    double d_sample_rate;
    size_t d_classes;
    std::unique_ptr<frame_normaliser> d_norm;
    std::shared_ptr<engine_relay>
        d_relay; // the engine's callbacks reach this block through it
    std::unique_ptr<inference_engine> d_engine;

    std::vector<gr_complex> d_hist; // samples from offset d_hist_start on
    uint64_t d_hist_start = 0;
    uint64_t d_next = 0;        // offset of the next frame's first sample
    uint64_t d_seen = 0;        // samples already framed (input may be re-offered)
    uint64_t d_tags_copied = 0; // upstream tags passed through up to this offset
    bool d_holding = false;     // the last sample was held back for frames in flight
    std::vector<float> d_frame;
    uint64_t d_bad_frames = 0, d_last_drop_log = 0, d_last_bad_log = 0;

    // rx_time, rx_rate and labels (scheduler or message thread writes,
    // engine thread reads). Time and rate are kept per tag offset, so that a
    // frame's result still finds the tags in force at its first sample after
    // the scheduler has framed past a newer tag.
    std::mutex d_time_mtx;
    capture::sticky_tag<std::pair<uint64_t, double>> d_rx_time;
    capture::sticky_tag<double> d_rx_rate;
    std::vector<pmt::pmt_t> d_label_syms; // the model's class names, interned
    pmt::pmt_t d_label_list;              // the same as a PMT list (batch messages)
    std::vector<pmt::pmt_t> d_msgs;       // engine thread: one batch's messages
    // Engine thread: one batch's columns for the batch message.
    std::vector<uint64_t> d_b_offset;
    std::vector<int32_t> d_b_class;
    std::vector<float> d_b_conf, d_b_probs;
    std::vector<double> d_b_latency;

    // Results waiting for the stream outputs: (offset, message) for the
    // pass-through tags, probability vectors and class indices.
    std::mutex d_out_mtx;
    std::deque<std::pair<uint64_t, pmt::pmt_t>> d_pending_tags;
    std::deque<frame_result> d_pending_probs;
    std::deque<int32_t> d_pending_classes;
    int d_pass_port = -1, d_prob_port = -1, d_class_port = -1;
};

} // namespace amrcompress
} // namespace gr

#endif
