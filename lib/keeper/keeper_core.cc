/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A refresh (docs/keeper.md): the coreset and the frames that arrived since
 * the last refresh are the candidates; `epochs_per_refresh` training epochs
 * of the small model over them record, per candidate and epoch, whether it
 * was classified correctly and its loss (as `amr train` records dynamics);
 * each candidate's FoQuS tally grows by those epochs; the policy keeps at
 * most `budget` candidates. A member's tally therefore covers every scoring
 * epoch since it arrived.
 */
#include "deploy/frame_normaliser.h"
#include "keeper_core.h"
#include "keeper_policy.h"
#include "keeper_state_file.h"
#include "model/model_specs.h"
#include "model/torch_model.h"
#include "train/epoch_loop.h"
#include "train/torch_runtime.h"
#include "util/bounded_json.h"
#include <gnuradio/amrcompress/error.h>
#include <condition_variable>
#include <nlohmann/json.hpp>
#include <torch/torch.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <numeric>
#include <random>
#include <thread>

namespace gr {
namespace amrcompress {
namespace keeper {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;
using json = nlohmann::json;

namespace {

double seconds_since(clock_type::time_point t0)
{
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

bool is_model_file(const std::string& m)
{
    return m.size() > 3 && m.compare(m.size() - 3, 3, ".pt") == 0;
}

frame_block empty_block(size_t L)
{
    frame_block b;
    b.frame_length = L;
    return b;
}

// Replaces the file atomically and durably (model::save goes through
// util/atomic_file.h): the coreset saved after it never names a model that a
// power cut could take back.
void save_model_atomically(torch::jit::Module& m,
                           const model_info& info,
                           const std::string& path)
{
    model::save(m, info, path);
}

} // namespace

std::string keeper_stats::to_json(const std::vector<std::string>& classes,
                                  double bin_db) const
{
    json pc = json::object();
    for (size_t c = 0; c < per_class.size() && c < classes.size(); c++)
        pc[classes[c]] = per_class[c];
    json ps = json::object();
    for (const auto& kv : per_snr_bin)
        ps[std::to_string(kv.first * bin_db)] = kv.second; // the bin's lower edge, dB
    json j = { { "size", size },
               { "budget", budget },
               { "per_class", pc },
               { "per_snr_bin", ps },
               { "offered", offered },
               { "queued", queued },
               { "dropped", dropped },
               { "nonfinite", nonfinite },
               { "held_out", held_out },
               { "admitted", admitted },
               { "passed_over", passed_over },
               { "evictions", evictions },
               { "refreshes", refreshes },
               { "saves", saves },
               { "exports", exports },
               { "waiting", waiting },
               { "last_refresh_seconds", last_refresh_seconds },
               { "total_refresh_seconds", total_refresh_seconds },
               { "last_save_seconds", last_save_seconds },
               { "holdout_size", holdout_size },
               { "resumed_frames", resumed_frames },
               { "last_export", last_export },
               { "error", error } };
    j["holdout_accuracy"] =
        holdout_accuracy >= 0 ? json(holdout_accuracy) : json(nullptr);
    return j.dump();
}

struct keeper_core::impl {
    keeper_config cfg;
    model::built_model bm;
    std::vector<torch::Tensor> params;
    std::unique_ptr<torch::optim::Adam> opt;
    size_t L = 0, C = 0, buffer = 0;

    // Scheduler side: normalises offered frames (its own scratch buffer).
    std::unique_ptr<frame_normaliser> norm;
    std::vector<gr_complex> scratch;

    mutable std::mutex mu; // guards everything below
    std::condition_variable wake;
    std::condition_variable room; // the worker took the waiting frames, or a stop
    frame_block pending, holdout;
    clock_type::time_point first_pending;
    frame_block members;
    std::vector<coreset::foqus_tally> tallies;
    keeper_stats st;
    bool stopping = false, running = false;
    refresh_fn callback;
    std::thread worker;

    std::mt19937_64 rng;         // refreshes only
    std::mt19937_64 holdout_rng; // offer() only, under mu
    std::mutex refresh_mu;       // one refresh at a time (worker, refresh(), stop())

    void load_model();
    void reset_optimizer(); // Adam over the current model's parameters
    void resume();
    void refresh_once();
    void train_epochs(const frame_tensors& t,
                      int epochs,
                      std::vector<coreset::foqus_tally>* record);
    void save_locked_out(); // takes mu itself
    void run();
    std::string state_json() const; // mu held
};

void keeper_core::impl::load_model()
{
    torch::NoGradGuard ng;
    if (is_model_file(cfg.model)) {
        bm = model::load(cfg.model);
        if (cfg.classes.empty())
            cfg.classes = bm.info.classes;
        if (cfg.frame_length == 0)
            cfg.frame_length = bm.info.frame_length;
        model::check_fits(bm.info, cfg.classes, cfg.frame_length, "the keeper's stream");
    } else {
        if (cfg.classes.empty() || cfg.frame_length == 0)
            throw input_error("coreset keeper: a fresh model (" + cfg.model +
                              ") needs the class list and the frame length");
        bm = model::build(model::resolve_spec(cfg.model),
                          cfg.classes,
                          cfg.frame_length,
                          cfg.normalisation);
    }
    L = cfg.frame_length;
    C = cfg.classes.size();
    reset_optimizer();
}

void keeper_core::impl::reset_optimizer()
{
    params.clear();
    for (const auto& p : bm.module.parameters())
        params.push_back(p);
    opt = std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(cfg.lr));
}

keeper_core::keeper_core(const keeper_config& cfg) : d(std::make_unique<impl>())
{
    if (cfg.budget == 0)
        throw input_error("coreset keeper: the budget must be at least one frame");
    if (cfg.refresh_frames == 0)
        throw input_error("coreset keeper: refresh_frames must be >= 1");
    if (!(cfg.refresh_seconds >= 0) || !std::isfinite(cfg.refresh_seconds))
        throw input_error(
            "coreset keeper: refresh_seconds must be >= 0 (0: by frames only)");
    if (cfg.epochs_per_refresh < 1 || cfg.batch_size == 0 || !(cfg.lr > 0) ||
        cfg.threads < 1)
        throw input_error(
            "coreset keeper: epochs, batch size, lr and threads must be positive");
    if (cfg.finetune_epochs < 0)
        throw input_error("coreset keeper: finetune_epochs must be >= 0");
    if (cfg.finetune_epochs > 0 && cfg.export_path.empty())
        throw input_error(
            "coreset keeper: fine-tuning needs an export path for the model");
    if (cfg.holdout_frames > 0 && cfg.holdout_every < 2)
        throw input_error("coreset keeper: holdout_every must be >= 2");
    if (cfg.save_every == 0)
        throw input_error("coreset keeper: save_every must be >= 1");
    if (cfg.stratify_snr && !(cfg.snr_bin_db > 0))
        throw input_error("coreset keeper: the SNR bin width must be > 0");
    coreset::validate_foqus_options(cfg.foqus);
    d->cfg = cfg;
    if (cfg.process_tuning)
        tune_process_for_torch(cfg.threads);
    configure_torch_runtime(cfg.threads); // this (the block's) thread
    torch::manual_seed(cfg.seed);
    d->rng.seed(cfg.seed);
    d->holdout_rng.seed(cfg.seed + 1);
    d->load_model();
    d->buffer = cfg.buffer_frames ? cfg.buffer_frames : 4 * cfg.refresh_frames;
    d->norm = std::make_unique<frame_normaliser>(d->L, d->bm.info.normalisation);
    d->scratch.resize(d->L);
    d->pending = d->holdout = d->members = empty_block(d->L);
    d->st.budget = cfg.budget;
    d->st.per_class.assign(d->C, 0);
    if (!cfg.state_path.empty()) {
        const fs::path dir = fs::path(cfg.state_path).parent_path();
        if (!dir.empty() && !fs::is_directory(dir))
            throw input_error(cfg.state_path,
                              "the directory for the coreset file does not exist");
        if (cfg.resume && fs::exists(cfg.state_path))
            d->resume();
    }
}

keeper_core::~keeper_core()
{
    try {
        stop(false);
    } catch (...) { // a destructor must not throw; stop() logged into stats
    }
}

void keeper_core::impl::resume()
{
    snapshot s = load_snapshot(cfg.state_path);
    if (s.info.classes != cfg.classes || s.info.frame_length != L)
        throw input_error(cfg.state_path,
                          "the saved coreset was made for other classes or another frame "
                          "length; move it away or choose another state file");
    // A saved model beside the coreset carries the training so far.
    const std::string saved_model =
        fs::path(cfg.state_path).replace_extension(".model.pt");
    if (fs::exists(saved_model)) {
        torch::NoGradGuard ng;
        auto m = model::load(saved_model);
        model::check_fits(m.info, cfg.classes, L, "the keeper's stream");
        bm = std::move(m);
        reset_optimizer();
    }
    // More than the budget (a smaller budget now): the next refresh trims it.
    members = std::move(s.frames);
    tallies = std::move(s.tallies);
    // The state attribute comes from the file: bounded like any JSON from outside.
    const json j =
        parse_untrusted_json(s.state_json, cfg.state_path, "the keeper's state");
    // The coreset's history carries on (size = admitted - evictions); the
    // stream counters (offered, dropped, ...) are this run's.
    const std::pair<const char*, uint64_t*> counters[] = { { "refreshes", &st.refreshes },
                                                           { "evictions", &st.evictions },
                                                           { "admitted", &st.admitted },
                                                           { "passed_over",
                                                             &st.passed_over } };
    for (const auto& c : counters)
        if (j.is_object() && j.contains(c.first) && j[c.first].is_number_unsigned())
            *c.second = j[c.first].get<uint64_t>();
    st.resumed_frames = members.size();
    st.size = members.size();
    for (int32_t y : members.labels)
        st.per_class[y]++;
}

bool keeper_core::offer(
    const gr_complex* frame, int label, float snr_db, int64_t id, double time, bool wait)
{
    if (label < 0 || size_t(label) >= d->C)
        throw input_error("coreset keeper: label " + std::to_string(label) +
                          " outside the class list");
    std::copy_n(frame, d->L, d->scratch.data());
    const bool finite = d->norm->scale_in_place(d->scratch.data());
    std::unique_lock<std::mutex> lock(d->mu);
    d->st.offered++;
    if (!finite) {
        d->st.nonfinite++;
        return false;
    }
    if (d->stopping)
        return false;
    auto add = [&](frame_block& b) {
        const float* f = reinterpret_cast<const float*>(d->scratch.data());
        b.iq.insert(b.iq.end(), f, f + 2 * d->L);
        b.labels.push_back(label);
        b.snr_db.push_back(snr_db);
        b.capture_time.push_back(time);
        b.capture_id.push_back(id);
    };
    // Every holdout_every-th frame feeds the held-out slice (a reservoir), so
    // the model's accuracy is measured on frames it never trains on.
    const auto& c = d->cfg;
    if (c.holdout_frames > 0 && d->st.offered % c.holdout_every == 0) {
        d->st.held_out++;
        if (d->holdout.size() < c.holdout_frames) {
            add(d->holdout);
        } else {
            const uint64_t j = d->holdout_rng() % d->st.held_out; // Algorithm R
            if (j < c.holdout_frames) {
                const size_t F = 2 * d->L;
                const float* f = reinterpret_cast<const float*>(d->scratch.data());
                std::copy_n(f, F, d->holdout.iq.begin() + j * F);
                d->holdout.labels[j] = label;
                d->holdout.snr_db[j] = snr_db;
                d->holdout.capture_time[j] = time;
                d->holdout.capture_id[j] = id;
            }
        }
        return true;
    }
    // Backpressure waits only for a running worker: nothing else empties the buffer.
    if (wait && d->pending.size() >= d->buffer && d->running)
        d->room.wait(lock, [&] {
            return d->pending.size() < d->buffer || d->stopping || !d->running;
        });
    if (d->stopping)
        return false;
    if (d->pending.size() >= d->buffer) {
        d->st.dropped++;
        return false;
    }
    if (d->pending.size() == 0)
        d->first_pending = clock_type::now();
    add(d->pending);
    d->st.queued++;
    if (d->pending.size() >= c.refresh_frames || d->pending.size() == 1)
        d->wake.notify_one(); // the first frame starts the refresh timer
    return true;
}

void keeper_core::impl::train_epochs(const frame_tensors& t,
                                     int epochs,
                                     std::vector<coreset::foqus_tally>* record)
{
    const size_t n = size_t(t.x.size(0));
    if (n == 0)
        return;
    std::vector<int64_t> order(n);
    const int64_t* y = t.labels.data_ptr<int64_t>();
    for (int e = 0; e < epochs; e++) {
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), rng);
        sample_fn on_sample;
        if (record)
            on_sample = [&](int64_t row, int64_t pred, float loss) {
                (*record)[size_t(row)].add(pred == y[row], loss); // Eq. 3 and the loss
            };
        run_train_epoch(bm.module, *opt, t, order, cfg.batch_size, e, on_sample);
    }
}

void keeper_core::impl::refresh_once()
{
    const auto t0 = clock_type::now();
    frame_block fresh = empty_block(L), cand = empty_block(L);
    std::vector<coreset::foqus_tally> cand_tallies;
    size_t old_members;
    {
        std::lock_guard<std::mutex> lock(mu);
        std::swap(fresh, pending);
        room.notify_all();
        cand = members; // the worker owns the model; members stay readable meanwhile
        cand_tallies = tallies;
        old_members = members.size();
    }
    for (size_t i = 0; i < fresh.size(); i++)
        cand.append_from(fresh, i);
    cand_tallies.resize(cand.size());

    frame_tensors t = to_tensors(cand);
    train_epochs(t, cfg.epochs_per_refresh, &cand_tallies);

    policy_options po;
    po.budget = cfg.budget;
    po.num_classes = C;
    po.stratify_snr = cfg.stratify_snr;
    po.snr_bin_db = cfg.snr_bin_db;
    po.foqus = cfg.foqus;
    const auto keep = keep_within_budget(cand.labels, cand.snr_db, cand_tallies, po, rng);

    frame_block kept = empty_block(L);
    kept.reserve(keep.size());
    std::vector<coreset::foqus_tally> kept_tallies;
    size_t kept_old = 0;
    for (size_t r : keep) {
        kept.append_from(cand, r);
        kept_tallies.push_back(cand_tallies[r]);
        kept_old += r < old_members;
    }

    // The model's accuracy on frames it never trained on.
    double acc = -1;
    frame_block ho;
    {
        std::lock_guard<std::mutex> lock(mu);
        ho = holdout;
    }
    if (ho.size() > 0) {
        auto te = evaluate_tensors(bm.module, to_tensors(ho), 256);
        acc = te.acc;
    }

    std::string exported;
    if (cfg.finetune_epochs > 0 && kept.size() > 0) {
        train_epochs(to_tensors(kept), cfg.finetune_epochs, nullptr);
        save_model_atomically(bm.module, bm.info, cfg.export_path);
        exported = cfg.export_path;
        if (ho.size() > 0)
            acc = evaluate_tensors(bm.module, to_tensors(ho), 256).acc;
    }

    bool save_now = false;
    keeper_stats snap;
    refresh_fn notify;
    {
        std::lock_guard<std::mutex> lock(mu);
        members = std::move(kept);
        tallies = std::move(kept_tallies);
        st.evictions += old_members - kept_old;
        st.admitted += keep.size() - kept_old;
        st.passed_over += fresh.size() - (keep.size() - kept_old);
        st.refreshes++;
        st.size = members.size();
        st.per_class.assign(C, 0);
        st.per_snr_bin.clear();
        for (size_t i = 0; i < members.size(); i++) {
            st.per_class[members.labels[i]]++;
            if (std::isfinite(members.snr_db[i]))
                st.per_snr_bin[long(std::floor(members.snr_db[i] / cfg.snr_bin_db))]++;
        }
        st.holdout_accuracy = acc;
        st.holdout_size = ho.size();
        if (!exported.empty()) {
            st.exports++;
            st.last_export = exported;
        }
        st.last_refresh_seconds = seconds_since(t0);
        st.total_refresh_seconds += st.last_refresh_seconds;
        save_now = !cfg.state_path.empty() && st.refreshes % cfg.save_every == 0;
    }
    if (save_now)
        save_locked_out();
    {
        std::lock_guard<std::mutex> lock(mu);
        st.waiting = pending.size();
        snap = st;
        notify = callback;
    }
    if (notify)
        notify(snap, exported);
}

std::string keeper_core::impl::state_json() const
{
    json j = { { "offered", st.offered },
               { "refreshes", st.refreshes },
               { "evictions", st.evictions },
               { "admitted", st.admitted },
               { "passed_over", st.passed_over },
               { "budget", cfg.budget },
               { "model", cfg.model },
               { "epochs_per_refresh", cfg.epochs_per_refresh },
               { "stratify_snr", cfg.stratify_snr },
               { "snr_bin_db", cfg.snr_bin_db },
               { "beta", cfg.foqus.beta },
               { "tier_bounds", cfg.foqus.tier_bounds },
               { "tier_mix", cfg.foqus.tier_mix } };
    return j.dump();
}

void keeper_core::impl::save_locked_out()
{
    const auto t0 = clock_type::now();
    snapshot s;
    {
        std::lock_guard<std::mutex> lock(mu);
        s.frames = members;
        s.tallies = tallies;
        s.state_json = state_json();
    }
    s.info.classes = cfg.classes;
    s.info.frame_length = L;
    s.info.normalisation = bm.info.normalisation;
    s.info.source = "gr-amrcompress coreset_keeper";
    s.info.description = "FoQuS coreset kept on the device (budget " +
                         std::to_string(cfg.budget) + " frames)";
    // The model first: the coreset's rename is the commit of a save.
    save_model_atomically(
        bm.module, bm.info, fs::path(cfg.state_path).replace_extension(".model.pt"));
    save_snapshot(cfg.state_path, s);
    std::lock_guard<std::mutex> lock(mu);
    st.saves++;
    st.last_save_seconds = seconds_since(t0);
}

void keeper_core::impl::run()
{
    configure_torch_runtime(cfg.threads); // the worker's own thread: per-thread settings
    const auto interval = std::chrono::duration_cast<clock_type::duration>(
        std::chrono::duration<double>(cfg.refresh_seconds));
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
        // Refresh when enough frames wait, or when the oldest has waited
        // refresh_seconds; stop() ends the loop (its final refresh is its own).
        while (!stopping && pending.size() < cfg.refresh_frames) {
            if (pending.size() == 0 || cfg.refresh_seconds <= 0)
                wake.wait(lock);
            else if (wake.wait_until(lock, first_pending + interval) ==
                     std::cv_status::timeout)
                break;
        }
        if (stopping)
            break;
        lock.unlock();
        try {
            std::lock_guard<std::mutex> one(refresh_mu);
            refresh_once();
        } catch (const std::exception& e) {
            std::lock_guard<std::mutex> g(mu);
            st.error =
                e.what(); // reported in stats; the keeper goes on with the next frames
        }
        lock.lock();
    }
}

void keeper_core::start()
{
    std::lock_guard<std::mutex> lock(d->mu);
    if (d->running)
        return;
    d->stopping = false;
    d->running = true;
    d->worker = std::thread([this] { d->run(); });
}

void keeper_core::stop(bool final_refresh)
{
    {
        std::lock_guard<std::mutex> lock(d->mu);
        d->stopping = true;
        d->wake.notify_all();
        d->room.notify_all();
    }
    if (d->worker.joinable())
        d->worker.join();
    bool work;
    {
        std::lock_guard<std::mutex> lock(d->mu);
        const bool was_running = d->running;
        d->running = false;
        work = final_refresh && d->pending.size() > 0;
        if (!was_running && !final_refresh)
            return; // nothing ran: nothing new to save
    }
    std::lock_guard<std::mutex> one(d->refresh_mu);
    if (work)
        d->refresh_once();
    if (!d->cfg.state_path.empty())
        d->save_locked_out();
}

void keeper_core::refresh()
{
    std::lock_guard<std::mutex> one(d->refresh_mu);
    d->refresh_once();
}

void keeper_core::save()
{
    if (d->cfg.state_path.empty())
        throw input_error("coreset keeper: no state file set");
    std::lock_guard<std::mutex> one(d->refresh_mu);
    d->save_locked_out();
}

void keeper_core::on_refresh(refresh_fn fn)
{
    std::lock_guard<std::mutex> lock(d->mu);
    d->callback = std::move(fn);
}

keeper_stats keeper_core::stats() const
{
    std::lock_guard<std::mutex> lock(d->mu);
    keeper_stats s = d->st;
    s.waiting = d->pending.size();
    return s;
}

std::string keeper_core::stats_json() const
{
    return stats().to_json(d->cfg.classes, d->cfg.snr_bin_db);
}

const std::vector<std::string>& keeper_core::classes() const { return d->cfg.classes; }
size_t keeper_core::frame_length() const { return d->L; }
size_t keeper_core::budget() const { return d->cfg.budget; }

std::vector<int64_t> keeper_core::member_ids() const
{
    std::lock_guard<std::mutex> lock(d->mu);
    return d->members.capture_id;
}

std::vector<int32_t> keeper_core::member_labels() const
{
    std::lock_guard<std::mutex> lock(d->mu);
    return d->members.labels;
}

std::vector<coreset::foqus_tally> keeper_core::member_tallies() const
{
    std::lock_guard<std::mutex> lock(d->mu);
    return d->tallies;
}

} // namespace keeper
} // namespace amrcompress
} // namespace gr
