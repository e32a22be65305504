/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The capture block: framing, gate, thinning, labels and radio tags on the
 * scheduler's thread; SNR estimates, normalisation and all file I/O on the
 * writer thread (lib/capture/capture_writer).
 */
#include "capture/label_pmt.h"
#include "dataset_sink_impl.h"
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/io_signature.h>
#include <nlohmann/json.hpp>
#include <chrono>
#include <cmath>

namespace gr {
namespace amrcompress {

namespace {

const pmt::pmt_t PORT_LABEL = pmt::mp("label");
const pmt::pmt_t TAG_TIME = pmt::mp("rx_time");
const pmt::pmt_t TAG_RATE = pmt::mp("rx_rate");
const pmt::pmt_t TAG_FREQ = pmt::mp("rx_freq");

const char* OUTCOME_NAMES[] = { "kept",  "gated",         "thinned",    "unlabelled",
                                "mixed", "unknown_class", "over_quota", "not_queued" };

void check(bool ok, const std::string& what)
{
    if (!ok)
        throw input_error("dataset_sink: " + what);
}

} // namespace

dataset_sink::sptr dataset_sink::make(const std::string& path,
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
                                      const std::string& description)
{
    return gnuradio::make_block_sptr<dataset_sink_impl>(path,
                                                        classes,
                                                        frame_length,
                                                        hop,
                                                        label,
                                                        snr_db,
                                                        extend_classes,
                                                        gate_db,
                                                        floor_frames,
                                                        keep_one_in,
                                                        max_frames,
                                                        max_megabytes,
                                                        rotate,
                                                        max_files,
                                                        class_quota,
                                                        flush_frames,
                                                        flush_seconds,
                                                        if_exists,
                                                        sample_rate,
                                                        center_freq,
                                                        normalisation,
                                                        queue_frames,
                                                        backpressure,
                                                        description);
}

dataset_sink_impl::dataset_sink_impl(const std::string& path,
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
                                     const std::string& description)
    : gr::sync_block("dataset_sink",
                     gr::io_signature::make(1, 1, sizeof(gr_complex)),
                     gr::io_signature::make(0, 0, 0)),
      d_L(frame_length > 0 ? size_t(frame_length) : 0),
      d_hop(hop > 0 ? size_t(hop) : d_L),
      d_extend(extend_classes),
      d_keep_one_in(keep_one_in > 0 ? uint64_t(keep_one_in) : 0),
      d_quota(class_quota > 0 ? uint64_t(class_quota) : 0),
      d_sample_rate(sample_rate),
      d_center_freq(center_freq)
{
    check(frame_length >= 16, "frame length must be at least 16 samples");
    check(hop >= 0, "hop must be >= 0 (0: one frame length)");
    check(keep_one_in >= 1, "keep_one_in must be >= 1");
    check(gate_db >= 0 && std::isfinite(gate_db), "gate_db must be >= 0 (0: no gate)");
    check(floor_frames >= 1, "floor_frames must be >= 1");
    check(max_frames >= 0 && max_files >= 0 && class_quota >= 0 && flush_frames >= 0,
          "limits and flush_frames must be >= 0 (0: none)");
    check(max_megabytes >= 0 && std::isfinite(max_megabytes),
          "max_megabytes must be >= 0");
    check(queue_frames >= 1, "queue_frames must be >= 1");
    check(sample_rate >= 0 && std::isfinite(sample_rate), "sample_rate must be >= 0");
    check(std::isfinite(center_freq), "center_freq must be finite");
    check(!(std::isinf(snr_db)), "snr_db must be finite, or NaN to estimate it");
    check(!classes.empty() || extend_classes,
          "give the class list, or let labels extend it (extend_classes)");

    d_settings.path = path;
    d_settings.info.classes = classes;
    d_settings.info.frame_length = d_L;
    d_settings.info.sample_rate = sample_rate;
    d_settings.info.center_freq = center_freq;
    d_settings.info.source = "gr-amrcompress dataset_sink (live capture)";
    d_settings.info.normalisation = normalisation;
    d_settings.info.description = description;
    d_settings.info.capture = nlohmann::json{
        { "frame_length", d_L },          { "hop", d_hop },
        { "gate_db", gate_db },           { "floor_frames", floor_frames },
        { "keep_one_in", keep_one_in },   { "class_quota", class_quota },
        { "flush_frames", flush_frames }, { "flush_seconds", flush_seconds }
    }.dump();
    d_settings.if_exists = if_exists;
    d_settings.max_frames_per_file = size_t(max_frames);
    d_settings.max_bytes_per_file = uint64_t(max_megabytes * 1e6);
    d_settings.rotate = rotate;
    d_settings.max_files = size_t(max_files);
    d_settings.flush_frames = size_t(flush_frames);
    d_settings.flush_seconds = flush_seconds;
    d_settings.queue_frames = size_t(queue_frames);
    d_settings.backpressure = backpressure;
    d_settings.normalisation = normalisation;

    d_labels.set_parameter({ label, snr_db });
    if (gate_db > 0)
        d_gate = std::make_unique<capture::energy_gate>(gate_db, size_t(floor_frames));
    // Opening the file here makes a bad path fail when the flowgraph is built.
    d_writer = std::make_unique<capture::capture_writer>(d_settings);
    if (!label.empty() && d_writer->label_of(label, d_extend) < 0)
        throw input_error("dataset_sink: label '" + label +
                          "' is not in the class list (set extend_classes to add it)");

    // Frames span work() calls: keep L - 1 samples of history.
    set_history(d_L);
    message_port_register_in(PORT_LABEL);
    set_msg_handler(PORT_LABEL, [this](const pmt::pmt_t& msg) { handle_label_msg(msg); });
    d_logger->info("capturing {}-sample frames into {}", d_L, d_writer->files().back());
}

dataset_sink_impl::~dataset_sink_impl() = default;

bool dataset_sink_impl::start()
{
    // After a stop(), a new run continues in the same place (appended or next file).
    if (d_writer->status() == capture::capture_writer::state::stopped) {
        d_settings.info.classes = d_writer->classes();
        d_settings.if_exists = "append";
        d_writer = std::make_unique<capture::capture_writer>(d_settings);
    }
    d_end_logged = false;
    return true;
}

bool dataset_sink_impl::stop()
{
    d_writer->stop();
    const auto c = d_writer->counts();
    d_logger->info("capture stopped: {} frames written to {} file(s), {} dropped",
                   c.written,
                   d_writer->files().size(),
                   c.dropped);
    if (!d_writer->error().empty())
        d_logger->error("{}", d_writer->error());
    return true;
}

void dataset_sink_impl::set_label(const std::string& label)
{
    if (!label.empty() && d_writer->label_of(label, d_extend) < 0) {
        d_logger->error("label '{}' is not in the class list: ignored (extend_classes "
                        "adds it)",
                        label);
        return;
    }
    auto p = d_labels.parameter();
    p.label = label;
    d_labels.set_parameter(p);
}

std::string dataset_sink_impl::label() const { return d_labels.parameter().label; }

void dataset_sink_impl::set_snr(double snr_db)
{
    auto p = d_labels.parameter();
    p.snr_db = snr_db;
    d_labels.set_parameter(p);
}

void dataset_sink_impl::handle_label_msg(const pmt::pmt_t& msg)
{
    capture::labelled l;
    if (!capture::parse_label_message(msg, l)) {
        d_logger->warn("label message ignored: expected a symbol or a dict with 'label' "
                       "(and 'snr'), got {}",
                       pmt::write_string(msg));
        return;
    }
    d_labels.set_message(l); // an empty label releases the message level
}

void dataset_sink_impl::read_tags(uint64_t from, uint64_t to)
{
    std::vector<gr::tag_t> tags;
    get_tags_in_range(tags, 0, from, to);
    capture::add_label_tags(d_labels, tags);
    for (const auto& t : tags) {
        if (pmt::eqv(t.key, TAG_TIME) && pmt::is_tuple(t.value) &&
            pmt::length(t.value) == 2) {
            d_rx_time.add(t.offset,
                          { pmt::to_uint64(pmt::tuple_ref(t.value, 0)),
                            pmt::to_double(pmt::tuple_ref(t.value, 1)) });
        } else if (pmt::eqv(t.key, TAG_RATE) && pmt::is_number(t.value)) {
            d_rx_rate.add(t.offset, pmt::to_double(t.value));
        } else if (pmt::eqv(t.key, TAG_FREQ) && pmt::is_number(t.value)) {
            d_rx_freq.add(t.offset, pmt::to_double(t.value));
        }
    }
}

double dataset_sink_impl::frame_time(uint64_t first)
{
    const auto& rate_tag = d_rx_rate.at(first);
    const double rate = rate_tag && *rate_tag > 0 ? *rate_tag : d_sample_rate;
    const auto& t = d_rx_time.at(first);
    if (t && rate > 0)
        return double(t->first) + t->second + double(first - d_rx_time.since()) / rate;
    // No radio clock: the host's, when the frame is framed.
    return std::chrono::duration<double>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool dataset_sink_impl::all_quotas_met() const
{
    if (!d_quota || d_extend)
        return false;
    const size_t n = d_writer->classes().size();
    for (size_t c = 0; c < n; c++) {
        auto it = d_per_class.find(int(c));
        if (it == d_per_class.end() || it->second < d_quota)
            return false;
    }
    return true;
}

dataset_sink_impl::outcome dataset_sink_impl::consider(const gr_complex* frame,
                                                       uint64_t first)
{
    if (d_gate && !d_gate->open(capture::mean_power(frame, d_L)))
        return gated;
    if (d_passed_gate++ % d_keep_one_in != 0)
        return thinned;
    const capture::frame_label fl = d_labels.label_for(first, d_L);
    if (fl.source == capture::label_source::none)
        return unlabelled;
    if (fl.mixed)
        return mixed;
    const int label = d_writer->label_of(fl.label, d_extend);
    if (label < 0) {
        std::lock_guard<std::mutex> lock(d_stats_mutex);
        if (d_refused_labels.insert(fl.label).second)
            d_logger->warn(
                "label '{}' (from the {}) is not in the class list: its frames "
                "are not written (extend_classes adds it)",
                fl.label,
                capture::to_string(fl.source));
        return unknown_class;
    }
    {
        std::lock_guard<std::mutex> lock(d_stats_mutex);
        if (d_quota && d_per_class[label] >= d_quota)
            return over_quota;
    }
    capture::frame_meta m;
    m.label = label;
    m.estimate_snr = std::isnan(fl.snr_db);
    m.snr_db = fl.snr_db;
    m.time = frame_time(first);
    m.id = int64_t(first);
    const auto& freq = d_rx_freq.at(first);
    m.center_freq = freq ? *freq : d_center_freq;
    if (!d_writer->push(frame, m))
        return not_queued;
    std::lock_guard<std::mutex> lock(d_stats_mutex);
    d_per_class[label]++;
    return kept;
}

bool dataset_sink_impl::finished()
{
    const auto s = d_writer->status();
    if (s != capture::capture_writer::state::full &&
        s != capture::capture_writer::state::failed)
        return false;
    if (!d_end_logged) {
        d_end_logged = true;
        if (s == capture::capture_writer::state::full)
            d_logger->info("capture complete: file limit reached ({} frames written)",
                           d_writer->counts().written);
        else
            d_logger->error("capture stopped: {}", d_writer->error());
    }
    return true;
}

int dataset_sink_impl::work(int noutput_items,
                            gr_vector_const_void_star& input_items,
                            gr_vector_void_star&)
{
    const auto* in = static_cast<const gr_complex*>(input_items[0]);
    if (finished())
        return WORK_DONE;
    const uint64_t nread = nitems_read(0);
    const uint64_t end = nread + uint64_t(noutput_items); // first sample not yet here
    read_tags(nread, end);
    // in[0] is sample nread - (L - 1): the history.
    const uint64_t base =
        nread + 1 - d_L; // may wrap below 0 at the start: only differences used
    while (d_next + d_L <= end) {
        const outcome o = consider(in + (d_next - base), d_next);
        {
            std::lock_guard<std::mutex> lock(d_stats_mutex);
            d_outcomes[o]++;
            d_candidates++;
            if (d_gate)
                d_floor = d_gate->floor();
        }
        d_next += d_hop;
        if (o == unlabelled && d_outcomes[unlabelled] >= 2 * d_last_unlabelled_log) {
            d_last_unlabelled_log = d_outcomes[unlabelled]; // 1, 2, 4, ...
            d_logger->warn(
                "{} frame(s) had no label and were not written: set the label "
                "parameter, send a 'label' message or tag the stream with amr_label",
                d_last_unlabelled_log);
        }
        if (o == not_queued && finished())
            return WORK_DONE;
    }
    // Tell the file the radio's current rate and frequency.
    const auto& rate = d_rx_rate.at(d_next > 0 ? d_next - 1 : 0);
    const auto& freq = d_rx_freq.at(d_next > 0 ? d_next - 1 : 0);
    if (rate || freq)
        d_writer->set_radio(rate ? *rate : d_sample_rate, freq ? *freq : d_center_freq);
    if (all_quotas_met()) {
        d_logger->info("capture complete: every class has its quota of {} frames",
                       d_quota);
        return WORK_DONE;
    }
    return noutput_items;
}

uint64_t dataset_sink_impl::frames_written() const { return d_writer->counts().written; }
uint64_t dataset_sink_impl::frames_flushed() const { return d_writer->counts().flushed; }
uint64_t dataset_sink_impl::frames_dropped() const { return d_writer->counts().dropped; }
std::vector<std::string> dataset_sink_impl::files() const { return d_writer->files(); }
std::vector<std::string> dataset_sink_impl::classes() const
{
    return d_writer->classes();
}
std::string dataset_sink_impl::error() const { return d_writer->error(); }

std::string dataset_sink_impl::stats() const
{
    const auto c = d_writer->counts();
    nlohmann::json j;
    {
        std::lock_guard<std::mutex> lock(d_stats_mutex);
        j["candidates"] = d_candidates;
        for (int o = 0; o < n_outcomes; o++)
            j[OUTCOME_NAMES[o]] = d_outcomes[o];
        const auto names = d_writer->classes();
        nlohmann::json per = nlohmann::json::object();
        for (const auto& [label, n] : d_per_class)
            per[size_t(label) < names.size() ? names[label] : std::to_string(label)] = n;
        j["per_class"] = per;
    }
    j["queued"] = c.queued;
    j["written"] = c.written;
    j["flushed"] = c.flushed;
    j["dropped"] = c.dropped;
    j["rejected"] = c.rejected;
    j["nonfinite"] = c.nonfinite;
    j["lost"] = c.lost;
    j["flushes"] = c.flushes;
    j["queue_high"] = c.queue_high;
    j["write_seconds"] = c.write_seconds;
    j["files"] = d_writer->files();
    j["classes"] = d_writer->classes();
    j["error"] = d_writer->error();
    if (d_gate) {
        std::lock_guard<std::mutex> lock(d_stats_mutex);
        j["noise_floor_db"] = d_floor > 0 ? 10 * std::log10(d_floor) : -300.0;
    }
    return j.dump();
}

} // namespace amrcompress
} // namespace gr
