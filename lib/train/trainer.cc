/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Training with LibTorch on TorchScript models, recording every sample's
 * prediction and loss on every epoch (taken from the training pass itself, so
 * recording costs an argmax and a per-sample loss the step computes anyway).
 */
#include "../model/model_specs.h"
#include "../model/torch_model.h"
#include "checkpoint.h"
#include "data_split.h"
#include "dynamics_record.h"
#include "epoch_loop.h"
#include "frame_tensors.h"
#include "process_group.h"
#include "torch_runtime.h"
#include "train_step.h"
#include "train_stream.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/selection.h>
#include <gnuradio/amrcompress/train.h>
#include <sys/resource.h>
#include <torch/torch.h>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <limits>
#include <numeric>
#include <random>

namespace gr {
namespace amrcompress {

namespace {

using clock_t_ = std::chrono::steady_clock;
using json = nlohmann::json;

double since(clock_t_::time_point t)
{
    return std::chrono::duration<double>(clock_t_::now() - t).count();
}

// This process's peak resident memory so far (rank 0's, in a distributed run).
double peak_rss_mib()
{
    struct rusage u {
    };
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_maxrss) / 1024.0; // KiB on Linux
}

bool is_model_file(const std::string& s)
{
    return s.size() > 3 && s.compare(s.size() - 3, 3, ".pt") == 0;
}

void write_metrics(const std::string& path,
                   const train_config& cfg,
                   const model_info& info,
                   const train_result& r,
                   double total_seconds)
{
    json epochs = json::array();
    for (const auto& e : r.epochs)
        epochs.push_back({ { "epoch", e.epoch },
                           { "lr", e.lr },
                           { "train_loss", e.train_loss },
                           { "train_acc", e.train_acc },
                           { "test_loss", e.test_loss },
                           { "test_acc", e.test_acc },
                           { "seconds", e.seconds },
                           { "comm_seconds", e.comm_seconds },
                           { "eval_seconds", e.eval_seconds } });
    json per_snr = json::array();
    for (const auto& [snr, a] : r.test_acc_per_snr)
        per_snr.push_back({ { "snr_db", snr }, { "accuracy", a } });
    json j = {
        { "dataset", cfg.dataset },
        { "index_file", cfg.index_file },
        { "snr_min", std::isfinite(cfg.snr_min) ? json(cfg.snr_min) : json(nullptr) },
        { "snr_max", std::isfinite(cfg.snr_max) ? json(cfg.snr_max) : json(nullptr) },
        { "train_fraction", cfg.train_fraction },
        { "model", json::parse(info.to_json()) },
        { "epochs_planned", cfg.epochs },
        { "batch_size", cfg.batch_size },
        { "optimizer", { { "name", "adam" }, { "lr", cfg.lr } } },
        { "scheduler",
          { { "name", "steplr" }, { "step", cfg.lr_step }, { "gamma", cfg.lr_gamma } } },
        { "seed", cfg.seed },
        { "data",
          { { "streamed", r.streamed },
            { "shuffle",
              r.shuffle_window < r.train_frames
                  ? "1 MiB blocks in shuffled order, then within windows of "
                    "shuffle_window frames"
                  : (r.streamed ? "full permutation, read in units of read_unit frames"
                                : "full permutation (in memory)") },
            { "shuffle_window", r.shuffle_window },
            { "read_unit", r.read_unit } } },
        { "threads",
          cfg.threads > 0 ? cfg.threads : auto_threads(info.arch, info.flops) },
        { "train_frames", r.train_frames },
        { "test_frames", r.test_frames },
        { "epochs", epochs },
        { "test_acc_per_snr", per_snr },
        { "seconds", total_seconds },
        { "distributed",
          { { "world_size", r.world_size },
            { "global_batch", cfg.batch_size },
            { "bucket_bytes", cfg.dist.bucket_bytes },
            { "allreduce_seconds_per_step", r.allreduce_seconds } } },
        { "resumed_after_epoch", r.resumed_after },
        { "peak_rss_mib", peak_rss_mib() },
        { "model_path", r.model_path },
        { "dynamics_path", r.dynamics_path }
    };
    write_file_atomically(path, j.dump(2) + "\n");
}

// What a resumed run must share with the run that wrote the checkpoint (the
// number of ranks may differ: the result does not depend on it).
json run_settings(const train_config& c)
{
    return { { "dataset", c.dataset },
             { "index_file", c.index_file },
             { "train_fraction", c.train_fraction },
             { "snr_min", std::isfinite(c.snr_min) ? json(c.snr_min) : json(nullptr) },
             { "snr_max", std::isfinite(c.snr_max) ? json(c.snr_max) : json(nullptr) },
             { "model", c.model },
             { "epochs", c.epochs },
             { "batch_size", c.batch_size },
             { "lr", c.lr },
             { "lr_step", c.lr_step },
             { "lr_gamma", c.lr_gamma },
             { "seed", c.seed },
             { "record_dynamics", c.record_dynamics } };
}

// A windowed run's order depends on its shuffle window: a resumed run must
// use the same one. A full permutation is the same held or streamed, so
// those runs keep the settings they always had (old checkpoints resume, and
// a resumed run may hold or stream, with any number of ranks).
json run_settings(const train_config& c, const train_stream& s)
{
    json j = run_settings(c);
    if (!s.full_shuffle())
        j["shuffle_window"] = s.window();
    return j;
}

json epochs_json(const std::vector<epoch_stats>& v)
{
    json a = json::array();
    for (const auto& e : v)
        a.push_back({ e.epoch,
                      e.lr,
                      e.train_loss,
                      e.train_acc,
                      e.test_loss,
                      e.test_acc,
                      e.seconds,
                      e.eval_seconds,
                      e.comm_seconds });
    return a;
}

std::vector<epoch_stats> epochs_from_json(const json& a)
{
    std::vector<epoch_stats> v;
    for (const auto& e : a) {
        epoch_stats s;
        s.epoch = e[0];
        s.lr = e[1];
        // NaN (epochs without evaluation) is stored as null
        auto num = [](const json& x) {
            return x.is_number() ? x.get<double>()
                                 : std::numeric_limits<double>::quiet_NaN();
        };
        s.train_loss = num(e[2]);
        s.train_acc = num(e[3]);
        s.test_loss = num(e[4]);
        s.test_acc = num(e[5]);
        s.seconds = num(e[6]);
        s.eval_seconds = num(e[7]);
        s.comm_seconds = num(e[8]);
        v.push_back(s);
    }
    return v;
}

// Test-set predictions, each rank evaluating its slice of the rows, read
// from the file a block at a time with the next block read ahead (the test
// set is never held whole). Blocks are multiples of the inference batch, so
// the batches are those of one in-memory pass.
test_eval evaluate_sharded(torch::jit::Module& m,
                           const dataset_reader& ds,
                           const std::vector<size_t>& test,
                           const std::vector<int64_t>& labels,
                           process_group& pg)
{
    const int64_t n = int64_t(test.size());
    test_eval r;
    if (n == 0)
        return r;
    const int64_t a = n * pg.rank() / pg.size(), b = n * (pg.rank() + 1) / pg.size();
    auto both = torch::zeros({ 2, n }, torch::kFloat64);
    const std::vector<size_t> mine(test.begin() + a, test.begin() + b);
    for_each_tensor_block(ds, mine, 4 * 1024, [&](const frame_tensors& t, size_t pos) {
        auto logits = predict_logits(m, t.x, 1024);
        const int64_t s = a + int64_t(pos), e = s + t.x.size(0);
        both[0].slice(0, s, e).copy_(logits.argmax(1));
        both[1].slice(0, s, e).copy_(torch::nn::functional::cross_entropy(
            logits,
            t.labels,
            torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone)));
    });
    pg.allreduce_sum(both, "gathering the test predictions");
    auto pred = both[0].to(torch::kInt64);
    r.loss = both[1].sum().item<double>() / n;
    auto lab =
        torch::from_blob(const_cast<int64_t*>(labels.data()), { n }, torch::kInt64);
    r.acc = double((pred == lab).sum().item<int64_t>()) / n;
    r.pred.assign(pred.data_ptr<int64_t>(), pred.data_ptr<int64_t>() + n);
    return r;
}

// A layout that makes streaming slow: chunks much smaller than a read.
void warn_about_layout(const dataset_reader& ds, bool leader)
{
    const size_t chunk = ds.chunk_frames(), frame_bytes = ds.info().frame_length * 8;
    if (!leader || chunk == 0 || chunk * frame_bytes >= (size_t(64) << 10))
        return;
    std::cerr << "amr train: warning: " << ds.path() << " stores X in chunks of " << chunk
              << " frame" << (chunk == 1 ? "" : "s") << " (" << chunk * frame_bytes
              << " bytes): every read touches many chunks and streaming it is slow; "
                 "rewrite it with `amr subset "
              << ds.path() << " -o NEW.h5` (1024-frame chunks)\n";
}

// Mean seconds of one all-reduce of a tensor the size of the gradients.
double time_gradient_allreduce(process_group& pg, int64_t numel)
{
    auto t = torch::ones({ numel });
    for (int i = 0; i < 2; i++)
        pg.allreduce_sum(t, "timing the all-reduce");
    const int reps = 10;
    const auto t0 = clock_t_::now();
    for (int i = 0; i < reps; i++)
        pg.allreduce_sum(t, "timing the all-reduce");
    return since(t0) / reps;
}

} // namespace

train_result
train_model(const train_config& cfg, const epoch_fn& on_epoch, const batch_fn& on_batch)
{
    if (cfg.epochs < 1 || cfg.batch_size < 1 || !(cfg.lr > 0) || cfg.lr_step < 1 ||
        !(cfg.lr_gamma > 0) || cfg.threads < 0 || cfg.eval_every < 0)
        throw input_error(
            "training parameters must be positive (epochs, batch, lr, step, "
            "gamma, threads)");
    if (cfg.out_dir.empty())
        throw input_error("no output directory given");
    const auto t_start = clock_t_::now();
    // Joined first: a rank that cannot join fails before loading any data.
    process_group pg(cfg.dist);
    const bool leader = pg.leader();
    const int W = pg.size();
    if (W > 1 && cfg.batch_size < size_t(W))
        throw input_error("the global batch (" + std::to_string(cfg.batch_size) +
                          ") must hold at least one frame per rank (" +
                          std::to_string(W) + ")");
    configure_torch_runtime(1);
    torch::manual_seed(cfg.seed);

    dataset_reader ds(cfg.dataset);
    auto frames = choose_frames(ds, cfg);

    // The model: fresh from a spec, or a saved one to fine-tune; refused
    // before any training when it does not fit the data.
    model::built_model bm;
    if (is_model_file(cfg.model)) {
        bm = model::load_fitting(cfg.model, ds.info());
    } else {
        torch::NoGradGuard ng;
        bm = model::build(model::resolve_spec(cfg.model),
                          ds.info().classes,
                          ds.info().frame_length,
                          ds.info().normalisation);
    }
    torch::jit::Module& m = bm.module;
    const int threads =
        cfg.threads > 0 ? cfg.threads : auto_threads(bm.info.arch, bm.info.flops);
    configure_torch_runtime(threads);

    if (leader)
        std::filesystem::create_directories(cfg.out_dir);
    train_result r;
    r.model_path = cfg.out_dir + "/model.pt";
    r.metrics_path = cfg.out_dir + "/metrics.json";
    r.params = bm.info.params;
    r.flops = bm.info.flops;
    r.world_size = W;
    r.rank = pg.rank();
    const std::string checkpoint_path = cfg.out_dir + "/checkpoint.pt";

    r.train_frames = frames.train.size();
    r.test_frames = frames.test.size();
    const size_t n = frames.train.size();
    // The training frames: held when they fit --frame-memory, else streamed
    // from the file a unit at a time (train_stream.h).
    const size_t hold_frames =
        cfg.frame_memory_mib
            ? hold_limit_frames(ds.info().frame_length, cfg.frame_memory_mib)
            : 0;
    train_stream train(
        ds, frames.train, cfg.shuffle_window, cfg.batch_size, pg.rank(), W, hold_frames);
    if (!train.in_memory())
        warn_about_layout(ds, leader);
    r.shuffle_window = train.window();
    r.read_unit = train.read_unit();
    r.streamed = !train.in_memory();
    std::vector<int64_t> test_labels(frames.test.size());
    std::vector<float> test_snr(frames.test.size());
    for (size_t i = 0; i < frames.test.size(); i++) {
        test_labels[i] = ds.labels()[frames.test[i]];
        test_snr[i] = ds.snr_db()[frames.test[i]];
    }

    std::vector<torch::Tensor> params;
    for (const auto& p : m.parameters())
        params.push_back(p);
    torch::optim::Adam opt(params, torch::optim::AdamOptions(cfg.lr));

    // Resume: rank 0 reads the checkpoint and hands its bytes to every rank
    // (hosts need not share a file system).
    int start = 0;
    if (cfg.resume) {
        std::string bytes;
        const bool missing = leader && !std::filesystem::exists(checkpoint_path);
        if (pg.any(missing, "looking for the checkpoint"))
            throw input_error(checkpoint_path,
                              "no checkpoint to resume from (it is written after every "
                              "finished epoch)");
        if (leader)
            bytes = read_file_bytes(checkpoint_path);
        bytes = pg.broadcast_bytes(bytes, "sending the checkpoint");
        const json state = restore_checkpoint(bytes, checkpoint_path, m, opt);
        if (state.at("settings") != run_settings(cfg, train))
            throw input_error(checkpoint_path,
                              "was written by a run with other settings (" +
                                  state.at("settings").dump() +
                                  "); resume with the same ones, or train afresh without "
                                  "--resume");
        start = state.at("epochs_done");
        r.epochs = epochs_from_json(state.at("epochs"));
        r.resumed_after = start;
        if (!r.epochs.empty() && std::isfinite(r.epochs.back().test_acc) &&
            state.count("per_snr"))
            for (const auto& e : state.at("per_snr"))
                r.test_acc_per_snr[e[0].get<float>()] = e[1].get<double>();
    }

    std::unique_ptr<dynamics_record> rec;
    if (cfg.record_dynamics) {
        r.dynamics_path = cfg.out_dir + "/dynamics.h5";
        if (leader && start > 0) {
            rec = std::make_unique<dynamics_record>(
                r.dynamics_path, frames.train, cfg.epochs, start);
        } else if (leader) {
            std::vector<int32_t> labels(n);
            std::vector<float> snr(n);
            for (size_t i = 0; i < n; i++) {
                labels[i] = ds.labels()[frames.train[i]];
                snr[i] = ds.snr_db()[frames.train[i]];
            }
            rec = std::make_unique<dynamics_record>(r.dynamics_path,
                                                    cfg.dataset,
                                                    ds.info().classes,
                                                    frames.train,
                                                    labels,
                                                    snr,
                                                    cfg.epochs,
                                                    frames.test);
        }
    }

    pg.attach_gradients(params, cfg.dist.bucket_bytes);
    if (W > 1) {
        int64_t numel = 0;
        for (const auto& p : params)
            numel += p.numel();
        r.allreduce_seconds = time_gradient_allreduce(pg, numel);
    }

    std::vector<uint8_t> pred_col(n);
    std::vector<float> loss_col(n);
    std::mt19937_64 shuffle_rng(cfg.seed);
    for (int ep = 0; ep < start; ep++) // the shuffles of the epochs already done
        train.plan(shuffle_rng);
    const size_t batches = (n + cfg.batch_size - 1) / cfg.batch_size;
    // Each rank's samples of the epoch; the ranks' columns are summed into
    // the whole record (every row is written by exactly one rank).
    torch::Tensor cols;
    sample_fn record;
    if (cfg.record_dynamics)
        record = [&](int64_t row, int64_t pred, float loss) {
            float* c = cols.data_ptr<float>();
            c[row] = float(pred);
            c[n + row] = loss;
        };
    batch_shard shard{ pg.rank(), W, [&] { pg.begin_step(); }, [&] { pg.end_step(); } };

    for (int ep = start; ep < cfg.epochs; ep++) {
        const double lr = set_step_lr(opt, cfg.lr, ep, cfg.lr_step, cfg.lr_gamma);
        auto plan = train.plan(shuffle_rng);
        // Dropout's masks: from the run's seed, the epoch and the rank, so a
        // resumed run draws what the uninterrupted one would have.
        torch::manual_seed(cfg.seed * 1000003ULL + uint64_t(ep) * 7919ULL + pg.rank());
        if (cfg.record_dynamics)
            cols = torch::zeros({ 2, int64_t(n) });
        const auto t_ep = clock_t_::now();
        const double comm0 = pg.comm_seconds();
        size_t b = 0;
        epoch_totals tot;
        try {
            tot = run_train_epoch(
                m,
                opt,
                train.epoch(std::move(plan)),
                cfg.batch_size,
                ep,
                record,
                [&] {
                    if (on_batch)
                        on_batch(ep * batches + (++b), cfg.epochs * batches);
                },
                shard);
        } catch (const training_diverged&) {
            throw;
        } catch (const rank_failure&) {
            throw;
        } catch (const std::exception& e) { // e.g. Gloo's, from a hook inside backward
            if (W == 1)
                throw;
            pg.fail("a training step (gradient all-reduce)", e);
        }
        auto sums = torch::tensor({ tot.loss_sum, double(tot.correct) }, torch::kFloat64);
        pg.allreduce_sum(sums, "summing the epoch's loss");
        if (cfg.record_dynamics)
            pg.allreduce_sum(cols, "gathering the dynamics record");
        epoch_stats st;
        st.epoch = ep + 1;
        st.lr = lr;
        st.train_loss = sums[0].item<double>() / n;
        st.train_acc = sums[1].item<double>() / n;
        if (rec) { // inside the timed part: it is part of the recording overhead
            const float* c = cols.data_ptr<float>();
            for (size_t i = 0; i < n; i++) {
                pred_col[i] = static_cast<uint8_t>(c[i]);
                loss_col[i] = c[n + i];
            }
            rec->write_epoch(ep, pred_col, loss_col, st.train_acc);
        }
        st.seconds = since(t_ep);
        st.comm_seconds = pg.comm_seconds() - comm0;
        const bool last = ep + 1 == cfg.epochs;
        if (last || (cfg.eval_every > 0 && (ep + 1) % cfg.eval_every == 0)) {
            const auto t_ev = clock_t_::now();
            auto ev = evaluate_sharded(m, ds, frames.test, test_labels, pg);
            st.eval_seconds = since(t_ev);
            st.test_loss = ev.loss;
            st.test_acc = ev.acc;
            r.test_acc_per_snr = accuracy_per_snr(test_labels, test_snr, ev.pred);
        } else { // not measured this epoch (null in metrics.json)
            st.test_loss = st.test_acc = std::numeric_limits<double>::quiet_NaN();
        }
        r.epochs.push_back(st);
        if (leader) {
            write_metrics(r.metrics_path, cfg, bm.info, r, since(t_start));
            json per_snr = json::array();
            for (const auto& [snr, a] : r.test_acc_per_snr)
                per_snr.push_back({ snr, a });
            const json state = { { "settings", run_settings(cfg, train) },
                                 { "epochs_done", ep + 1 },
                                 { "epochs", epochs_json(r.epochs) },
                                 { "per_snr", per_snr } };
            write_file_atomically(checkpoint_path, checkpoint_bytes(m, opt, state));
        }
        if (on_epoch)
            on_epoch(st, cfg.epochs);
    }
    m.eval();
    if (leader) {
        model::save(m, bm.info, r.model_path);
        torch::save(opt, cfg.out_dir + "/optimizer.pt");
        write_metrics(r.metrics_path, cfg, bm.info, r, since(t_start));
    }
    // No rank reports success before rank 0 has written the model.
    pg.barrier("waiting for rank 0 to write the model");
    return r;
}

} // namespace amrcompress
} // namespace gr
