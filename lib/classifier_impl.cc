/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "classifier_impl.h"
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/block_detail.h>
#include <gnuradio/buffer_reader.h>
#include <gnuradio/io_signature.h>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <cmath>

namespace gr {
namespace amrcompress {

namespace {

const pmt::pmt_t PORT_OUT = pmt::mp("classification");
const pmt::pmt_t PORT_BATCH = pmt::mp("classifications");
const pmt::pmt_t PORT_MODEL = pmt::mp("model");
const pmt::pmt_t TAG_CLASS = pmt::mp("amr_class");
const pmt::pmt_t TAG_EOS = pmt::mp("amr_eos");
const pmt::pmt_t TAG_RX_TIME = pmt::mp("rx_time");
const pmt::pmt_t TAG_RX_RATE = pmt::mp("rx_rate");
const pmt::pmt_t KEY_OFFSET = pmt::mp("offset");
const pmt::pmt_t KEY_CLASS = pmt::mp("class");
const pmt::pmt_t KEY_LABEL = pmt::mp("label");
const pmt::pmt_t KEY_CONFIDENCE = pmt::mp("confidence");
const pmt::pmt_t KEY_PROBS = pmt::mp("probs");
const pmt::pmt_t KEY_LATENCY = pmt::mp("latency");
const pmt::pmt_t KEY_MODEL = pmt::mp("model");
const pmt::pmt_t KEY_LABELS = pmt::mp("labels");

size_t model_classes(const std::string& path)
{
    return read_model_info(path).classes.size();
}

gr::io_signature::sptr
outputs(bool passthrough, bool probabilities, bool class_output, size_t classes)
{
    std::vector<int> sizes;
    if (passthrough)
        sizes.push_back(sizeof(gr_complex));
    if (probabilities)
        sizes.push_back(int(classes * sizeof(float)));
    if (class_output)
        sizes.push_back(sizeof(int32_t));
    return sizes.empty()
               ? gr::io_signature::make(0, 0, 0)
               : gr::io_signature::makev(int(sizes.size()), int(sizes.size()), sizes);
}

} // namespace

classifier::sptr classifier::make(const std::string& model_path,
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
                                  bool process_tuning)
{
    return gnuradio::make_block_sptr<classifier_impl>(model_path,
                                                      hop,
                                                      batch_size,
                                                      threads,
                                                      queue_frames,
                                                      backpressure,
                                                      passthrough,
                                                      probabilities,
                                                      sample_rate,
                                                      frame_length,
                                                      optimize,
                                                      precision,
                                                      engine,
                                                      batch_messages,
                                                      class_output,
                                                      frame_messages,
                                                      process_tuning);
}

struct classifier_impl::engine_relay {
    std::unique_ptr<inference_engine> engine; // moved into the block
    std::atomic<classifier_impl*> block{ nullptr };
    gr::logger log{ "classifier" }; // until the block (and its logger) exists
};

std::shared_ptr<classifier_impl::engine_relay>
classifier_impl::open_engine(const std::string& model_path,
                             int hop,
                             int batch_size,
                             int threads,
                             int queue_frames,
                             int frame_length,
                             bool optimize,
                             const std::string& precision,
                             const std::string& engine,
                             bool process_tuning)
{
    if (hop < 0 || batch_size < 1 || threads < 1 || queue_frames < batch_size ||
        frame_length < 0)
        throw input_error(
            "classifier: hop >= 0, batch size >= 1, threads >= 1 and a queue of "
            "at least one batch are needed");
    auto relay = std::make_shared<engine_relay>();
    engine_options opt;
    opt.batch_size = batch_size;
    opt.threads = threads;
    opt.queue_frames = queue_frames;
    opt.optimize = optimize;
    opt.prec = deploy::parse_precision(precision);
    opt.engine = engine;
    opt.process_tuning = process_tuning;
    // Weak: the engine (and these callbacks) live inside the block that owns the relay.
    std::weak_ptr<engine_relay> weak = relay;
    opt.log = [weak](const std::string& line) {
        if (auto r = weak.lock()) {
            if (auto* b = r->block.load())
                b->d_logger->info("{}", line);
            else
                r->log.info("{}", line);
        }
    };
    // Results come only for frames the block pushed, so the block is set by then.
    relay->engine = std::make_unique<inference_engine>(
        model_path, size_t(frame_length), opt, [weak](std::vector<frame_result>& r) {
            if (auto rl = weak.lock())
                if (auto* b = rl->block.load())
                    b->on_results(r);
        });
    return relay;
}

classifier_impl::classifier_impl(const std::string& model_path,
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
                                 bool process_tuning)
    : classifier_impl(open_engine(model_path,
                                  hop,
                                  batch_size,
                                  threads,
                                  queue_frames,
                                  frame_length,
                                  optimize,
                                  precision,
                                  engine,
                                  process_tuning),
                      hop,
                      backpressure,
                      passthrough,
                      probabilities,
                      sample_rate,
                      batch_messages,
                      class_output,
                      frame_messages)
{
}

classifier_impl::classifier_impl(std::shared_ptr<engine_relay> relay,
                                 int hop,
                                 bool backpressure,
                                 bool passthrough,
                                 bool probabilities,
                                 double sample_rate,
                                 bool batch_messages,
                                 bool class_output,
                                 bool frame_messages)
    : gr::block("classifier",
                gr::io_signature::make(1, 1, sizeof(gr_complex)),
                outputs(passthrough,
                        probabilities,
                        class_output,
                        relay->engine->info().classes.size())),
      d_backpressure(backpressure),
      d_passthrough(passthrough),
      d_probabilities(probabilities),
      d_class_output(class_output),
      d_batch_messages(batch_messages),
      d_frame_messages(frame_messages),
      d_sample_rate(sample_rate),
      d_relay(std::move(relay))
{
    d_engine = std::move(d_relay->engine);
    d_relay->block = this;
    const auto info = d_engine->info();
    d_L = info.frame_length;
    d_hop = hop > 0 ? size_t(hop) : d_L;
    d_classes = info.classes.size();
    set_labels(info.classes);
    d_norm = std::make_unique<frame_normaliser>(d_L, info.normalisation);
    d_frame.resize(2 * d_L);
    int port = 0;
    if (passthrough)
        d_pass_port = port++;
    if (probabilities)
        d_prob_port = port++;
    if (class_output)
        d_class_port = port++;
    set_tag_propagation_policy(TPP_DONT); // pass-through tags are copied by hand
    message_port_register_out(PORT_OUT);
    message_port_register_out(PORT_BATCH);
    message_port_register_in(PORT_MODEL);
    set_msg_handler(PORT_MODEL, [this](const pmt::pmt_t& msg) { handle_model_msg(msg); });
}

classifier_impl::~classifier_impl() = default;

void classifier_impl::set_model(const std::string& model_path)
{
    if (d_probabilities && model_classes(model_path) != d_classes)
        throw input_error(model_path,
                          "the probability output is " + std::to_string(d_classes) +
                              " wide; this model has another class count");
    d_engine->swap_model(model_path);
    set_labels(d_engine->info().classes);
    d_logger->info("now classifying with {}", model_path);
}

void classifier_impl::handle_model_msg(const pmt::pmt_t& msg)
{
    pmt::pmt_t path = msg;
    if (pmt::is_dict(msg))
        path = pmt::dict_ref(msg, pmt::mp("path"), pmt::PMT_NIL);
    if (!pmt::is_symbol(path)) {
        d_logger->error("model port: expected a file name (symbol or dict with 'path')");
        return;
    }
    try {
        set_model(pmt::symbol_to_string(path));
    } catch (const std::exception& e) {
        d_logger->error("model not swapped, keeping the current one: {}", e.what());
    }
}

void classifier_impl::set_labels(const std::vector<std::string>& labels)
{
    std::vector<pmt::pmt_t> syms;
    for (const auto& l : labels)
        syms.push_back(pmt::intern(l));
    pmt::pmt_t list = pmt::PMT_NIL;
    for (auto it = syms.rbegin(); it != syms.rend(); ++it)
        list = pmt::cons(*it, list);
    std::lock_guard<std::mutex> lk(d_time_mtx);
    d_label_syms.swap(syms);
    d_label_list = list;
}

std::string classifier_impl::stats() const
{
    auto s = d_engine->stats();
    return nlohmann::json{
        { "pushed", s.pushed },
        { "classified", s.classified },
        { "dropped", s.dropped },
        { "failed", s.failed },
        { "batches", s.batches },
        { "swaps", s.swaps },
        { "queue_high_water", s.queue_high_water },
        { "busy_seconds", s.busy_seconds },
        { "deliver_seconds", s.deliver_seconds },
        { "bad_frames", d_bad_frames },
        { "backend", d_engine->backend_description() }
    }.dump();
}

pmt::pmt_t classifier_impl::to_pmt(const frame_result& r)
{
    // One dict per frame at tens of thousands of frames/s: the keys and label
    // symbols are interned once (interning costs a hash and a lock), and the
    // entries are consed directly (the keys are distinct, so dict_add's
    // search for an existing key is not needed). Same dict as dict_add builds.
    pmt::pmt_t d = pmt::make_dict();
    d = pmt::acons(KEY_OFFSET, pmt::from_uint64(r.offset), d);
    d = pmt::acons(KEY_CLASS, pmt::from_long(r.label), d);
    d = pmt::acons(KEY_LABEL,
                   size_t(r.label) < d_label_syms.size() ? d_label_syms[r.label]
                                                         : pmt::intern(""),
                   d);
    d = pmt::acons(KEY_CONFIDENCE, pmt::from_double(r.confidence), d);
    d = pmt::acons(KEY_PROBS, pmt::init_f32vector(r.probs.size(), r.probs.data()), d);
    d = pmt::acons(KEY_LATENCY, pmt::from_double(r.latency_s), d);
    d = pmt::acons(KEY_MODEL, pmt::from_uint64(r.model_generation), d);
    const auto& rate_tag = d_rx_rate.at(r.offset);
    const double rate = rate_tag && *rate_tag > 0 ? *rate_tag : d_sample_rate;
    const auto& t = d_rx_time.at(r.offset);
    if (t && rate > 0) {
        const double dt = double(r.offset - d_rx_time.since()) / rate + t->second;
        const double whole = std::floor(dt);
        d = pmt::acons(TAG_RX_TIME,
                       pmt::make_tuple(pmt::from_uint64(t->first + uint64_t(whole)),
                                       pmt::from_double(dt - whole)),
                       d);
    }
    return d;
}

pmt::pmt_t classifier_impl::batch_pmt(const std::vector<frame_result>& results)
{
    // One message per batch, built from uniform vectors (one copy each): no
    // per-frame PMT objects.
    const size_t n = results.size();
    const size_t C = n ? results.front().probs.size() : 0;
    d_b_offset.resize(n);
    d_b_class.resize(n);
    d_b_conf.resize(n);
    d_b_latency.resize(n);
    d_b_probs.assign(n * C, 0.0f);
    for (size_t i = 0; i < n; i++) {
        const auto& r = results[i];
        d_b_offset[i] = r.offset;
        d_b_class[i] = r.label;
        d_b_conf[i] = r.confidence;
        d_b_latency[i] = r.latency_s;
        if (r.probs.size() == C)
            std::copy(r.probs.begin(), r.probs.end(), d_b_probs.begin() + i * C);
    }
    pmt::pmt_t d = pmt::make_dict();
    d = pmt::acons(KEY_OFFSET, pmt::init_u64vector(n, d_b_offset.data()), d);
    d = pmt::acons(KEY_CLASS, pmt::init_s32vector(n, d_b_class.data()), d);
    d = pmt::acons(KEY_CONFIDENCE, pmt::init_f32vector(n, d_b_conf.data()), d);
    d = pmt::acons(KEY_PROBS, pmt::init_f32vector(n * C, d_b_probs.data()), d);
    d = pmt::acons(KEY_LATENCY, pmt::init_f64vector(n, d_b_latency.data()), d);
    d = pmt::acons(
        KEY_MODEL, pmt::from_uint64(n ? results.front().model_generation : 0), d);
    d = pmt::acons(KEY_LABELS, d_label_list, d);
    return d;
}

void classifier_impl::on_results(std::vector<frame_result>& results)
{
    // Build the batch's messages first, then publish them back to back, so
    // that a subscriber's thread wakes once per batch rather than per frame.
    // Per-frame dicts only when someone takes them (the message port, or the
    // pass-through tags).
    d_msgs.clear();
    pmt::pmt_t batch;
    {
        std::lock_guard<std::mutex> lk(d_time_mtx); // labels, rx_time
        if (d_frame_messages || d_passthrough)
            for (const auto& r : results)
                d_msgs.push_back(to_pmt(r));
        if (d_batch_messages)
            batch = batch_pmt(results);
    }
    if (d_frame_messages)
        for (const auto& m : d_msgs)
            message_port_pub(PORT_OUT, m);
    if (d_batch_messages)
        message_port_pub(PORT_BATCH, batch);
    std::lock_guard<std::mutex> lk(d_out_mtx);
    if (d_passthrough)
        for (size_t i = 0; i < results.size(); i++)
            d_pending_tags.emplace_back(results[i].offset, d_msgs[i]);
    if (d_probabilities)
        d_pending_probs.insert(d_pending_probs.end(), results.begin(), results.end());
    if (d_class_output)
        for (const auto& r : results)
            d_pending_classes.push_back(r.label);
}

void classifier_impl::note_time_tags(const std::vector<gr::tag_t>& tags, uint64_t from)
{
    std::lock_guard<std::mutex> lk(d_time_mtx);
    for (const auto& t : tags) {
        if (t.offset < from) // seen in an earlier call
            continue;
        if (pmt::eqv(t.key, TAG_RX_RATE) && pmt::is_real(t.value))
            d_rx_rate.add(t.offset, pmt::to_double(t.value));
        else if (pmt::eqv(t.key, TAG_RX_TIME) && pmt::is_tuple(t.value) &&
                 pmt::length(t.value) == 2)
            d_rx_time.add(t.offset,
                          { pmt::to_uint64(pmt::tuple_ref(t.value, 0)),
                            pmt::to_double(pmt::tuple_ref(t.value, 1)) });
    }
}

bool classifier_impl::stop()
{
    d_engine->flush(); // publish what is still queued
    return true;
}

void classifier_impl::forecast(int noutput_items, gr_vector_int& ninput_items_required)
{
    // Pass-through: one input per output; probability vectors: a hop per vector.
    int need = d_passthrough ? noutput_items : 1;
    // While a sample is held back for frames still in the engine (see the end
    // of general_work), ask for one more, so that the scheduler waits for new
    // input instead of calling again at once; once the engine is idle or the
    // stream has ended, the held sample alone is enough.
    if (d_holding && d_engine->in_flight() > 0 && !detail()->input(0)->done())
        need = std::max(need, 2);
    ninput_items_required[0] = need;
}

int classifier_impl::general_work(int noutput_items,
                                  gr_vector_int& ninput_items,
                                  gr_vector_const_void_star& input_items,
                                  gr_vector_void_star& output_items)
{
    // Frames completed by this call's samples arrived now; their latency
    // counts from here (a wait for room in the engine's queue included).
    const auto arrived = std::chrono::steady_clock::now();
    const auto* in = static_cast<const gr_complex*>(input_items[0]);
    int n = ninput_items[0];
    if (d_passthrough)
        n = std::min(n, noutput_items);
    const uint64_t first = nitems_read(0);
    std::vector<gr::tag_t> tags; // one scan for every key (a replay tags each frame)
    get_tags_in_range(tags, 0, first, first + n);
    note_time_tags(tags, d_seen);
    // The stream ends here when it carries amr_eos (dataset_source) or when
    // upstream has finished (a file or vector source): everything is then
    // classified and published before this call returns, because GNU Radio
    // tells message subscribers that this block is done as soon as its input
    // is used up.
    const bool at_end =
        std::any_of(tags.begin(),
                    tags.end(),
                    [](const gr::tag_t& t) { return pmt::eqv(t.key, TAG_EOS); }) ||
        detail()->input(0)->done();

    // Frame the samples not seen before (the tail of a finished stream can
    // be offered again while results are still being written out).
    if (first + n > d_seen) {
        const uint64_t from = std::max(first, d_seen);
        d_hist.insert(d_hist.end(), in + (from - first), in + n);
        d_seen = first + n;
    }
    while (d_next + d_L <= d_seen) {
        const size_t pos = d_next - d_hist_start;
        if (!(*d_norm)(d_hist.data() + pos, d_frame.data())) {
            if (++d_bad_frames >= 2 * d_last_bad_log) { // 1, 2, 4, ...
                d_logger->warn("{} frames with NaN or infinite samples skipped (not "
                               "classified), the last at sample {}",
                               d_bad_frames,
                               d_next);
                d_last_bad_log = d_bad_frames;
            }
        } else if (!d_engine->push(d_next, d_frame.data(), d_backpressure, arrived)) {
            const uint64_t dropped = d_engine->stats().dropped;
            if (dropped >= 2 * d_last_drop_log) { // log at 1, 2, 4, 8, ... drops
                d_logger->warn("inference cannot keep up: {} frames dropped so far "
                               "(queue {} frames); see stats()",
                               dropped,
                               d_engine->stats().queue_high_water);
                d_last_drop_log = std::max<uint64_t>(dropped, 1);
            }
        }
        d_next += d_hop;
    }
    const uint64_t keep_from = std::min(d_next, d_seen);
    if (keep_from > d_hist_start) {
        d_hist.erase(d_hist.begin(), d_hist.begin() + (keep_from - d_hist_start));
        d_hist_start = keep_from;
    }
    if (at_end)
        d_engine->flush(); // the replay ended: every frame is classified and published

    // Stream outputs.
    std::deque<std::pair<uint64_t, pmt::pmt_t>> tags_ready;
    std::deque<frame_result> probs_ready;
    std::deque<int32_t> classes_ready;
    {
        std::lock_guard<std::mutex> lk(d_out_mtx);
        tags_ready.swap(d_pending_tags);
        probs_ready.swap(d_pending_probs);
        classes_ready.swap(d_pending_classes);
    }
    if (d_passthrough) {
        auto* out = static_cast<gr_complex*>(output_items[d_pass_port]);
        std::copy(in, in + n, out);
        for (const auto& t : tags) // one output per input: same offsets
            if (t.offset >= d_tags_copied)
                add_item_tag(d_pass_port, t);
        d_tags_copied = std::max(d_tags_copied, first + n);
        const uint64_t out0 = nitems_written(d_pass_port);
        for (const auto& [offset, msg] :
             tags_ready) // at the frame's start, or the first sample still to come
            add_item_tag(d_pass_port, std::max(offset, out0), TAG_CLASS, msg);
    }
    if (d_probabilities) {
        auto* out = static_cast<float*>(output_items[d_prob_port]);
        size_t k = 0;
        while (!probs_ready.empty() && k < size_t(noutput_items)) {
            const auto& r = probs_ready.front();
            if (r.probs.size() == d_classes)
                std::copy(r.probs.begin(), r.probs.end(), out + k++ * d_classes);
            probs_ready.pop_front();
        }
        if (!probs_ready.empty()) { // no room this time: keep them, in order
            std::lock_guard<std::mutex> lk(d_out_mtx);
            d_pending_probs.insert(
                d_pending_probs.begin(), probs_ready.begin(), probs_ready.end());
        }
        produce(d_prob_port, int(k));
    }
    if (d_class_output) {
        auto* out = static_cast<int32_t*>(output_items[d_class_port]);
        const size_t k = std::min(classes_ready.size(), size_t(noutput_items));
        std::copy(classes_ready.begin(), classes_ready.begin() + k, out);
        classes_ready.erase(classes_ready.begin(), classes_ready.begin() + k);
        if (!classes_ready.empty()) { // no room this time: keep them, in order
            std::lock_guard<std::mutex> lk(d_out_mtx);
            d_pending_classes.insert(
                d_pending_classes.begin(), classes_ready.begin(), classes_ready.end());
        }
        produce(d_class_port, int(k));
    }
    // Hold back the last sample, so that the scheduler calls again rather
    // than finishing the block: at the end of a stream, while results still
    // wait for room in the stream outputs; before it, while frames are still
    // in the engine (if upstream then finishes, the next call sees it and
    // publishes them).
    int consumed = n;
    d_holding = false;
    if (n > 0) {
        bool hold;
        if (at_end) {
            std::lock_guard<std::mutex> lk(d_out_mtx);
            hold = !d_pending_probs.empty() || !d_pending_tags.empty() ||
                   !d_pending_classes.empty();
        } else {
            hold = d_holding = d_engine->in_flight() > 0;
        }
        if (hold)
            consumed = n - 1;
    }
    if (d_passthrough)
        produce(d_pass_port, consumed);
    consume(0, consumed);
    return WORK_CALLED_PRODUCE;
}

} // namespace amrcompress
} // namespace gr
