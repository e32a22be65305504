/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The keeper block: framing and labels on the scheduler's thread (never
 * waiting on a refresh); scoring, selection, saving and fine-tuning on the
 * keeper's worker thread (lib/keeper/keeper_core).
 */
#include "capture/label_pmt.h"
#include "coreset_keeper_impl.h"
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/io_signature.h>
#include <nlohmann/json.hpp>
#include <algorithm>

namespace gr {
namespace amrcompress {

namespace {

const pmt::pmt_t PORT_LABEL = pmt::mp("label");
const pmt::pmt_t PORT_STATS = pmt::mp("stats");
const pmt::pmt_t PORT_MODEL = pmt::mp("model");

// The stats JSON as a PMT dict (objects -> dicts, strings -> symbols).
pmt::pmt_t to_pmt(const nlohmann::json& j)
{
    if (j.is_object()) {
        pmt::pmt_t d = pmt::make_dict();
        for (auto it = j.begin(); it != j.end(); ++it)
            d = pmt::dict_add(d, pmt::mp(it.key()), to_pmt(it.value()));
        return d;
    }
    if (j.is_number_integer())
        return pmt::from_long(j.get<long>());
    if (j.is_number())
        return pmt::from_double(j.get<double>());
    if (j.is_boolean())
        return pmt::from_bool(j.get<bool>());
    if (j.is_string())
        return pmt::mp(j.get<std::string>());
    return pmt::PMT_NIL;
}

void check(bool ok, const std::string& what)
{
    if (!ok)
        throw input_error("coreset_keeper: " + what);
}

} // namespace

coreset_keeper::sptr coreset_keeper::make(const std::string& model,
                                          const std::vector<std::string>& classes,
                                          int budget,
                                          const std::string& state_path,
                                          int frame_length,
                                          int hop,
                                          const std::string& label,
                                          double snr_db,
                                          int refresh_frames,
                                          double refresh_seconds,
                                          int epochs_per_refresh,
                                          bool stratify_snr,
                                          double snr_bin_db,
                                          int save_every,
                                          int finetune_epochs,
                                          const std::string& export_path,
                                          int buffer_frames,
                                          int holdout_frames,
                                          int threads,
                                          int seed,
                                          bool backpressure,
                                          bool process_tuning)
{
    check(budget >= 1, "budget must be >= 1 frame");
    check(frame_length >= 0 && hop >= 0,
          "frame_length and hop must be >= 0 (0: default)");
    check(refresh_frames >= 1, "refresh_frames must be >= 1");
    check(save_every >= 1, "save_every must be >= 1");
    check(buffer_frames >= 0 && holdout_frames >= 0,
          "buffer and holdout sizes must be >= 0");
    check(threads >= 1 && epochs_per_refresh >= 1 && finetune_epochs >= 0 && seed >= 0,
          "threads and epochs_per_refresh must be >= 1, finetune_epochs and seed >= 0");
    keeper::keeper_config c;
    c.model = model;
    c.classes = classes;
    c.frame_length = size_t(frame_length);
    c.budget = size_t(budget);
    c.state_path = state_path;
    c.refresh_frames = size_t(refresh_frames);
    c.refresh_seconds = refresh_seconds;
    c.epochs_per_refresh = epochs_per_refresh;
    c.stratify_snr = stratify_snr;
    c.snr_bin_db = snr_bin_db;
    c.save_every = size_t(save_every);
    c.finetune_epochs = finetune_epochs;
    c.export_path = export_path;
    c.buffer_frames = size_t(buffer_frames);
    c.holdout_frames = size_t(holdout_frames);
    c.threads = threads;
    c.seed = uint64_t(seed);
    c.process_tuning = process_tuning;
    return gnuradio::make_block_sptr<coreset_keeper_impl>(
        c, size_t(hop), label, snr_db, backpressure);
}

coreset_keeper_impl::coreset_keeper_impl(const keeper::keeper_config& cfg,
                                         size_t hop,
                                         const std::string& label,
                                         double snr_db,
                                         bool backpressure)
    : gr::sync_block("coreset_keeper",
                     gr::io_signature::make(1, 1, sizeof(gr_complex)),
                     gr::io_signature::make(0, 0, 0)),
      // Loading the model and resuming here makes a bad model or state file
      // fail when the flowgraph is built, not at the first frame.
      d_core(std::make_unique<keeper::keeper_core>(cfg)),
      d_L(d_core->frame_length()),
      d_hop(hop ? hop : d_L),
      d_backpressure(backpressure)
{
    if (!label.empty() && class_of(label) < 0)
        throw input_error("coreset_keeper: label '" + label +
                          "' is not in the class list");
    d_labels.set_parameter({ label, snr_db });
    set_history(d_L); // frames span work() calls
    message_port_register_in(PORT_LABEL);
    message_port_register_out(PORT_STATS);
    message_port_register_out(PORT_MODEL);
    set_msg_handler(PORT_LABEL, [this](const pmt::pmt_t& msg) {
        capture::labelled l;
        if (!capture::parse_label_message(msg, l))
            d_logger->warn(
                "label message ignored: expected a symbol or a dict with 'label' "
                "(and 'snr'), got {}",
                pmt::write_string(msg));
        else
            d_labels.set_message(l);
    });
    d_core->on_refresh([this](const keeper::keeper_stats& s,
                              const std::string& exported) { on_refresh(s, exported); });
    const auto s = d_core->stats();
    if (s.resumed_frames)
        d_logger->info(
            "resumed a coreset of {} frames from {}", s.resumed_frames, cfg.state_path);
    d_logger->info("keeping at most {} frames of {} classes ({} samples a frame)",
                   cfg.budget,
                   d_core->classes().size(),
                   d_L);
}

coreset_keeper_impl::~coreset_keeper_impl()
{
    // The worker thread calls back into this block: end it while the
    // block's members still live.
    d_core->on_refresh(nullptr);
    d_core.reset();
}

int coreset_keeper_impl::class_of(const std::string& name) const
{
    const auto& c = d_core->classes();
    const auto it = std::find(c.begin(), c.end(), name);
    return it == c.end() ? -1 : int(it - c.begin());
}

bool coreset_keeper_impl::start()
{
    d_core->start();
    return true;
}

bool coreset_keeper_impl::stop()
{
    try {
        d_core->stop(true); // scores what still waits, then saves
    } catch (const std::exception& e) {
        d_logger->error("coreset not saved at stop: {}", e.what());
    }
    const auto s = d_core->stats();
    d_logger->info("coreset: {} of at most {} frames after {} refreshes ({} dropped)",
                   s.size,
                   s.budget,
                   s.refreshes,
                   s.dropped);
    return true;
}

void coreset_keeper_impl::set_label(const std::string& label)
{
    if (!label.empty() && class_of(label) < 0) {
        d_logger->error("label '{}' is not in the class list: ignored", label);
        return;
    }
    auto p = d_labels.parameter();
    p.label = label;
    d_labels.set_parameter(p);
}

std::string coreset_keeper_impl::stats() const
{
    auto j = nlohmann::json::parse(d_core->stats_json());
    j["unlabelled"] = d_unlabelled.load();
    j["unknown_class"] = d_unknown.load();
    j["mixed"] = d_mixed.load();
    return j.dump();
}

void coreset_keeper_impl::on_refresh(const keeper::keeper_stats& s,
                                     const std::string& exported)
{
    if (!s.error.empty())
        d_logger->error("{}", s.error);
    message_port_pub(PORT_STATS, to_pmt(nlohmann::json::parse(stats())));
    if (!exported.empty())
        message_port_pub(PORT_MODEL, pmt::mp(exported));
}

void coreset_keeper_impl::consider(const gr_complex* frame, uint64_t first)
{
    const capture::frame_label fl = d_labels.label_for(first, d_L);
    if (fl.source == capture::label_source::none) {
        const uint64_t n = ++d_unlabelled;
        if (n >= 2 * d_last_unlabelled_log) { // 1, 2, 4, ...
            d_last_unlabelled_log = n;
            d_logger->warn(
                "{} frame(s) had no label and were not kept: set the label "
                "parameter, send a 'label' message or tag the stream with amr_label",
                n);
        }
        return;
    }
    if (fl.mixed) {
        d_mixed++;
        return;
    }
    const int label = class_of(fl.label);
    if (label < 0) {
        d_unknown++;
        if (d_refused_labels.insert(fl.label).second)
            d_logger->warn("label '{}' is not in the class list: its frames are not kept",
                           fl.label);
        return;
    }
    // A full buffer drops the frame and counts it; with backpressure the
    // stream waits for the worker instead.
    if (d_core->offer(frame, label, float(fl.snr_db), int64_t(first), 0, d_backpressure))
        return;
    const auto s = d_core->stats();
    const uint64_t refused = s.dropped + s.nonfinite;
    if (refused >= 2 * d_last_refused_log) { // 1, 2, 4, ...
        d_last_refused_log = refused;
        d_logger->warn(
            "{} frame(s) not kept: {} dropped (buffer of waiting frames full while "
            "scoring; raise refresh_frames or buffer_frames), {} with NaN/Inf samples",
            refused,
            s.dropped,
            s.nonfinite);
    }
}

int coreset_keeper_impl::work(int noutput_items,
                              gr_vector_const_void_star& input_items,
                              gr_vector_void_star&)
{
    const auto* in = static_cast<const gr_complex*>(input_items[0]);
    const uint64_t nread = nitems_read(0);
    const uint64_t end = nread + uint64_t(noutput_items); // first sample not yet here
    std::vector<gr::tag_t> tags;
    get_tags_in_range(tags, 0, nread, end);
    capture::add_label_tags(d_labels, tags);
    // in[0] is sample nread - (L - 1): the history.
    const uint64_t base = nread + 1 - d_L; // may wrap at the start: only differences used
    for (; d_next + d_L <= end; d_next += d_hop)
        consider(in + (d_next - base), d_next);
    return noutput_items;
}

} // namespace amrcompress
} // namespace gr
