/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_DATASET_SINK_IMPL_H
#define INCLUDED_AMRCOMPRESS_DATASET_SINK_IMPL_H

#include "capture/capture_writer.h"
#include "capture/energy_gate.h"
#include "capture/label_state.h"
#include <gnuradio/amrcompress/dataset_sink.h>
#include <map>
#include <memory>
#include <mutex>
#include <set>

namespace gr {
namespace amrcompress {

class dataset_sink_impl : public dataset_sink
{
public:
    dataset_sink_impl(const std::string& path,
                      const std::vector<std::string>& classes,
                      int frame_length,
                      int hop,
                      const std::string& label,
                      double snr_db,
                      bool extend_classes,
                      double gate_db,
                      int floor_frames,
                      int keep_one_in,
                      int max_frames,
                      double max_megabytes,
                      bool rotate,
                      int max_files,
                      int class_quota,
                      int flush_frames,
                      double flush_seconds,
                      const std::string& if_exists,
                      double sample_rate,
                      double center_freq,
                      const std::string& normalisation,
                      int queue_frames,
                      bool backpressure,
                      const std::string& description);
    ~dataset_sink_impl() override;

    void set_label(const std::string& label) override;
    std::string label() const override;
    void set_snr(double snr_db) override;
    uint64_t frames_written() const override;
    uint64_t frames_flushed() const override;
    uint64_t frames_dropped() const override;
    std::vector<std::string> files() const override;
    std::vector<std::string> classes() const override;
    std::string error() const override;
    std::string stats() const override;

    bool start() override;
    bool stop() override;
    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    // Outcome of one candidate frame, counted in stats().
    enum outcome {
        kept,
        gated,
        thinned,
        unlabelled,
        mixed,
        unknown_class,
        over_quota,
        not_queued,
        n_outcomes
    };

    void read_tags(uint64_t from, uint64_t to);
    void handle_label_msg(const pmt::pmt_t& msg);
    outcome consider(const gr_complex* frame, uint64_t first);
    double frame_time(uint64_t first);
    bool all_quotas_met() const;
    bool finished(); // the writer is full or failed: log once, true

    capture::writer_settings d_settings;
    std::unique_ptr<capture::capture_writer> d_writer;
    capture::label_state d_labels;
    std::unique_ptr<capture::energy_gate> d_gate;
    capture::sticky_tag<std::pair<uint64_t, double>> d_rx_time;
    capture::sticky_tag<double> d_rx_rate, d_rx_freq;

    const size_t d_L, d_hop;
    const bool d_extend;
    const uint64_t d_keep_one_in;
    const uint64_t d_quota;
    double d_sample_rate, d_center_freq; // parameters, overridden by tags
    uint64_t d_next = 0;                 // first sample of the next candidate frame
    uint64_t d_passed_gate = 0;

    mutable std::mutex d_stats_mutex;
    uint64_t d_outcomes[n_outcomes] = {};
    uint64_t d_candidates = 0;
    double d_floor = 0; // the gate's noise floor, copied for stats()
    std::map<int, uint64_t> d_per_class;
    std::set<std::string> d_refused_labels; // logged once each
    bool d_end_logged = false;
    uint64_t d_last_unlabelled_log = 0; // warnings at 1, 2, 4, ... unlabelled frames
};

} // namespace amrcompress
} // namespace gr

#endif
