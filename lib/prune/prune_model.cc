/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `amr prune`: load, measure, hand the model to the method, export, report.
 */
#include "../train/checkpoint.h" // write_file_atomically
#include "../train/data_split.h"
#include "../train/epoch_loop.h"
#include "../train/torch_runtime.h"
#include "pruning_method.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/prune.h>
#include <torch/torch.h>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <sstream>

namespace gr {
namespace amrcompress {

namespace {

using json = nlohmann::json;

struct measured {
    double acc = 0;
    json per_snr = json::array();
};

measured measure(const prune::net_state& net, const frame_set& test)
{
    auto bm = net.build();
    auto ev = evaluate_set(bm.module, test, 1024);
    measured m;
    m.acc = ev.acc;
    for (const auto& [snr, acc] : accuracy_per_snr(test.labels(), test.snr_db(), ev.pred))
        m.per_snr.push_back({ { "snr_db", snr }, { "accuracy", acc } });
    return m;
}

json structure(const json& spec, size_t frame_length)
{
    auto g = prune::describe_prunable(spec, frame_length);
    json spaces = json::array(), layers = json::array();
    for (const auto& s : g.spaces)
        spaces.push_back({ { "space", s.name }, { "channels", s.width } });
    for (const auto& l : g.layers)
        layers.push_back(l.name);
    return { { "channels", spaces }, { "layers", layers } };
}

std::string pct(double v)
{
    std::ostringstream s;
    s << std::fixed << std::setprecision(2) << 100 * v << " %";
    return s.str();
}

std::string markdown(const json& r)
{
    std::ostringstream o;
    o << std::fixed << std::setprecision(4);
    const json &b = r["before"], &a = r["after"];
    o << "# Pruning report: " << r["method"].get<std::string>() << " ("
      << r["kind"].get<std::string>() << (r["soft"].get<bool>() ? ", soft" : "")
      << ")\n\n"
      << "Model `" << r["model"].get<std::string>() << "` on `"
      << r["dataset"].get<std::string>() << "` (" << r["test_frames"].get<size_t>()
      << " test frames).\n\n"
      << "| | before | after | reduction |\n|---|---:|---:|---:|\n"
      << "| parameters | " << b["params"].get<size_t>() << " | "
      << a["params"].get<size_t>() << " | " << pct(r["reduction"]["params"].get<double>())
      << " |\n"
      << "| FLOPs (MAC) | " << size_t(b["flops"].get<double>()) << " | "
      << (r["soft"].get<bool>() ? std::string("unchanged (soft)")
                                : std::to_string(size_t(a["flops"].get<double>())))
      << " | "
      << (r["reduction"]["flops"].is_null() ? std::string("-")
                                            : pct(r["reduction"]["flops"].get<double>()))
      << " |\n"
      << "| test accuracy | " << b["test_acc"].get<double>() << " | "
      << a["test_acc"].get<double>() << " | delta " << std::showpos
      << a["test_acc"].get<double>() - b["test_acc"].get<double>() << std::noshowpos
      << " |\n\n";
    if (r.contains("removed_layers") && !r["removed_layers"].empty()) {
        o << "Removed layers:";
        for (const auto& l : r["removed_layers"])
            o << " " << l.get<std::string>();
        o << "\n\n";
    }
    o << "## Channels per space\n\n| space | before |\n|---|---:|\n";
    for (const auto& s : b["structure"]["channels"])
        o << "| " << s["space"].get<std::string>() << " | " << s["channels"].get<int>()
          << " |\n";
    o << "\nAfter (names renumbered after layer removal):\n\n| space | after "
         "|\n|---|---:|\n";
    for (const auto& s : a["structure"]["channels"])
        o << "| " << s["space"].get<std::string>() << " | " << s["channels"].get<int>()
          << " |\n";
    if (r.contains("probes")) {
        o << "\n## Linear probes\n\n| layer | probe accuracy | removable | removed |\n"
             "|---|---:|:-:|:-:|\n";
        for (const auto& p : r["probes"])
            o << "| " << p["layer"].get<std::string>() << " | "
              << p["probe_acc"].get<double>() << " | "
              << (p.value("removable", false) ? "yes" : "") << " | "
              << (p.value("removed", false) ? "yes" : "") << " |\n";
    }
    if (r.contains("fine_tuning")) {
        o << "\n## Fine-tuning\n\n| stage | epochs | test accuracy |\n|---|---:|---:|\n";
        for (const auto& f : r["fine_tuning"])
            o << "| " << f["stage"].get<std::string>() << " | " << f["epochs"].get<int>()
              << " | " << f["test_acc"].get<double>() << " |\n";
    }
    o << "\nTotal time " << std::setprecision(1) << r["seconds"].get<double>() << " s.\n";
    return o.str();
}

} // namespace

prune_result prune_model(const prune_config& cfg, const prune_progress_fn& progress)
{
    const auto t0 = std::chrono::steady_clock::now();
    if (cfg.out_dir.empty())
        throw input_error("no output directory given");
    if (cfg.epochs < 0 || cfg.diagnosis_epochs < 0 || cfg.probe_epochs < 1 ||
        cfg.batch_size < 1 || !(cfg.lr > 0) || cfg.lr_step < 1 || !(cfg.lr_gamma > 0) ||
        !(cfg.probe_lr > 0) || !(cfg.probe_holdout > 0 && cfg.probe_holdout < 1) ||
        cfg.threads < 0 || !(cfg.beta >= 0) || cfg.target_params < 0 || cfg.layers < 0)
        throw input_error(
            "pruning parameters out of range (epochs >= 0, batch, lr, beta >= 0, "
            "probe holdout in (0, 1))");
    if (cfg.probe_data != "holdout" && cfg.probe_data != "test")
        throw input_error("the probe data must be holdout or test, not '" +
                          cfg.probe_data + "'");
    auto method = prune::make_pruning_method(cfg.method);
    if (cfg.resume && !std::filesystem::exists(cfg.out_dir + "/finetune-0.pt"))
        throw input_error(cfg.out_dir + "/finetune-0.pt",
                          "no checkpoint to resume from (one is written after every "
                          "fine-tuning epoch)");
    configure_torch_runtime(1);
    torch::manual_seed(cfg.seed);

    dataset_reader ds(cfg.dataset);
    auto loaded = model::load_fitting(cfg.model, ds.info());
    prune::net_state original = prune::net_state::from(loaded);
    try { // refuses a model with nothing to prune (the LSTM)
        prune::describe_prunable(original.spec, original.info.frame_length);
    } catch (const input_error& e) {
        throw input_error(cfg.model, e.what());
    }
    original.build(); // the spec and the weights agree

    train_config split;
    split.dataset = cfg.dataset;
    split.train_fraction = cfg.train_fraction;
    split.snr_min = cfg.snr_min;
    split.snr_max = cfg.snr_max;
    auto frames = choose_frames(ds, split);
    std::filesystem::create_directories(cfg.out_dir); // the checkpoints go there
    prune::prune_session s(cfg, progress);
    s.set_data(ds, frames.train, frames.test);
    configure_torch_runtime(cfg.threads > 0
                                ? cfg.threads
                                : auto_threads(original.info.arch, original.info.flops));

    auto before = measure(original, s.test);
    auto out = method->run(s, original);
    auto final_model = out.net.build();
    auto after = measure(out.net, s.test);

    prune_result r;
    r.model_path = cfg.out_dir + "/model.pt";
    r.report_path = cfg.out_dir + "/report.json";
    r.report_md_path = cfg.out_dir + "/report.md";
    final_model.module.eval();
    model::save(final_model.module, final_model.info, r.model_path);

    const auto info = method->info();
    r.params_before = original.info.params;
    r.flops_before = original.info.flops;
    r.flops_after = final_model.info.flops;
    r.params_after = out.effective_spec
                         ? prune::describe_spec(*out.effective_spec, original.info).params
                         : final_model.info.params;
    r.acc_before = before.acc;
    r.acc_after = after.acc;

    json rep = s.report;
    rep["method"] = info.name;
    rep["kind"] = info.kind;
    rep["soft"] = info.soft;
    rep["summary"] = info.summary;
    rep["stopped_after"] = out.stopped_early ? json(cfg.stop_after) : json(nullptr);
    rep["dataset"] = cfg.dataset;
    rep["model"] = cfg.model;
    rep["train_frames"] = frames.train.size();
    rep["test_frames"] = frames.test.size();
    rep["probe_holdout_frames"] = s.probe_val.size();
    rep["probe_data"] = cfg.probe_data;
    rep["config"] = { { "channel_keep", cfg.channel_keep },
                      { "target_params", cfg.target_params },
                      { "layers", cfg.layers },
                      { "beta", cfg.beta },
                      { "diagnosis_epochs", cfg.diagnosis_epochs },
                      { "epochs", cfg.epochs },
                      { "batch_size", cfg.batch_size },
                      { "lr", cfg.lr },
                      { "seed", cfg.seed } };
    rep["before"] = { { "params", r.params_before },
                      { "flops", r.flops_before },
                      { "test_acc", before.acc },
                      { "test_acc_per_snr", before.per_snr },
                      { "structure",
                        structure(original.spec, original.info.frame_length) } };
    rep["after"] = { { "params", r.params_after },
                     { "flops", r.flops_after },
                     { "params_in_file", final_model.info.params },
                     { "test_acc", after.acc },
                     { "test_acc_per_snr", after.per_snr },
                     { "structure",
                       structure(out.effective_spec ? *out.effective_spec : out.net.spec,
                                 original.info.frame_length) },
                     { "spec", out.net.spec } };
    rep["reduction"] = { { "params", 1.0 - double(r.params_after) / r.params_before },
                         { "flops",
                           info.soft ? json(nullptr)
                                     : json(1.0 - r.flops_after / r.flops_before) } };
    rep["model_path"] = r.model_path;
    rep["seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.report_json = rep.dump(2);
    write_file_atomically(r.report_path, r.report_json + "\n");
    write_file_atomically(r.report_md_path, markdown(rep));
    // The run is complete: its checkpoints have served.
    for (const auto& c : s.checkpoints())
        std::filesystem::remove(c);
    return r;
}

} // namespace amrcompress
} // namespace gr
