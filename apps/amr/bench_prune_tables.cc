/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "bench_prune_tables.h"
#include "bench_util.h"
#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace amr {

using json = nlohmann::json;

namespace {

using spread = mean_sd;

// Percent with the spread over seeds ("71.23 ± 0.40"; one seed: "71.23").
std::string pct_sd(const spread& s, bool sign = false)
{
    if (std::isnan(s.mean))
        return "-";
    char b[64];
    if (std::isnan(s.sd))
        std::snprintf(b, sizeof b, sign ? "%+.2f" : "%.2f", 100 * s.mean);
    else
        std::snprintf(
            b, sizeof b, sign ? "%+.2f ± %.2f" : "%.2f ± %.2f", 100 * s.mean, 100 * s.sd);
    return b;
}

std::string pct(double v)
{
    return std::isnan(v) ? "-" : fmt(std::round(v * 10000) / 100) + "%";
}

std::string count(double v)
{
    char b[32];
    if (std::fabs(v) >= 1e6)
        std::snprintf(b, sizeof b, "%.2fM", v / 1e6);
    else
        std::snprintf(b, sizeof b, "%.2fK", v / 1e3);
    return b;
}

// The finished runs of one (arch, key), by seed.
std::vector<const prune_run*> seeds_of(const std::vector<prune_run>& runs,
                                       const std::string& arch,
                                       const std::string& key)
{
    std::vector<const prune_run*> v;
    for (const auto& r : runs)
        if (r.arch == arch && r.key == key && !r.report.is_null())
            v.push_back(&r);
    return v;
}

// The (arch, key) pairs of a table, in first-appearance order.
std::vector<const prune_run*> rows_of(const std::vector<prune_run>& runs,
                                      const std::string& arch,
                                      const std::string& table)
{
    std::vector<const prune_run*> v;
    std::set<std::string> seen;
    for (const auto& r : runs)
        if (r.arch == arch && r.table == table && seen.insert(r.key).second)
            v.push_back(&r);
    return v;
}

template <class F>
spread over(const std::vector<const prune_run*>& v, F value)
{
    std::vector<double> x;
    for (auto* r : v) {
        const double y = value(*r);
        if (!std::isnan(y))
            x.push_back(y);
    }
    return mean_and_sd(x);
}

double acc_after(const prune_run& r)
{
    return r.report["after"]["test_acc"].get<double>();
}

double reduction(const prune_run& r, const char* what)
{
    const auto& v = r.report["reduction"][what];
    return v.is_number() ? v.get<double>() : NAN;
}

double layers_removed(const prune_run& r)
{
    const auto& v = r.report["removed_layers"];
    return v.is_array() ? double(v.size()) : NAN;
}

// A partial table (--tables-only during a run) counts what has not finished
// yet, a finished one what failed.
std::string missing_note(size_t ok, size_t all, bool partial)
{
    return ok == all ? ""
                     : " (" + std::to_string(all - ok) +
                           (partial ? " not complete)" : " failed)");
}

} // namespace

json write_prune_tables(const std::vector<prune_run>& runs,
                        const prune_table_context& ctx,
                        const std::string& out_dir)
{
    std::ostringstream md, csv;
    json j = json::object();
    csv << "arch,table,method,variant,seed,kind,soft,original_acc,acc,delta_acc,"
           "flops_before,flops_after,params_before,params_after,flops_pr,params_pr,"
           "layers_removed,frames_per_s,seconds\n";
    for (const auto& r : runs) {
        if (r.report.is_null())
            continue;
        const json& p = r.report;
        csv << r.arch << "," << r.table << "," << r.method << "," << r.key << ","
            << r.seed << "," << p["kind"].get<std::string>() << ","
            << p["soft"].get<bool>() << "," << p["before"]["test_acc"].get<double>()
            << "," << acc_after(r) << ","
            << acc_after(r) - p["before"]["test_acc"].get<double>() << ","
            << p["before"]["flops"].get<double>() << ","
            << p["after"]["flops"].get<double>() << ","
            << p["before"]["params"].get<double>() << ","
            << p["after"]["params"].get<double>() << "," << reduction(r, "flops") << ","
            << reduction(r, "params") << "," << layers_removed(r) << "," << r.fps << ","
            << p["seconds"].get<double>() << "\n";
    }
    const std::string seeds_note =
        ctx.seeds > 1 ? "mean ± sample sd over " + std::to_string(ctx.seeds) +
                            " seeds (each seed trains its own dense model)"
                      : "one seed";
    md << "# amr bench prune (" << ctx.profile << ")\n\n"
       << "Dataset " << ctx.dataset << " (" << ctx.frames_per_cell
       << " frames per class and SNR, SNR >= " << fmt(ctx.snr_min)
       << " dB). Accuracies: " << seeds_note
       << ". FCOS first; every baseline then prunes to at least FCOS's parameter "
          "reduction of the same seed. Soft methods (SFP, FPGM) keep the structure: "
          "parameters as if the zeroed filters were cut, FLOPs unchanged. Reductions are "
          "means over the seeds. frames/s: seed 1's models, batch "
       << ctx.infer_batch << ", 1 thread, best of " << ctx.infer_rounds
       << " interleaved rounds. Total " << fmt(std::round(ctx.seconds)) << " s.\n";
    if (ctx.partial) {
        size_t complete = 0;
        for (const auto& r : runs)
            complete += !r.report.is_null();
        md << "\n**Partial** (--tables-only): " << complete << " of " << runs.size()
           << " pruning runs complete; no inference speeds measured.\n";
    }
    for (const auto& arch : ctx.models) {
        const auto& orig = ctx.original_acc.count(arch) ? ctx.original_acc.at(arch)
                                                        : std::map<int, double>{};
        std::vector<double> o;
        for (const auto& [seed, a] : orig)
            o.push_back(a);
        const double dense_fps = ctx.dense_fps.count(arch) ? ctx.dense_fps.at(arch) : NAN;
        md << "\n## " << arch << " (epsilon " << fmt(ctx.keep.at(arch)) << ", beta "
           << fmt(ctx.beta) << "; fine-tuning: FCOS " << ctx.diag_epochs.at(arch) << " + "
           << ctx.epochs.at(arch) << " epochs, baselines " << ctx.epochs.at(arch)
           << ")\n\n"
           << "| Method | Type | Acc(%) | dAcc(%) | dFLOPs | dParams | FLOPs PR | Params "
              "PR | frames/s | speed-up |\n"
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
        md << "| (dense) | - | " << pct_sd(mean_and_sd(o)) << " | | | | | | "
           << (std::isnan(dense_fps) ? "-" : fmt(std::round(dense_fps))) << " | 1.00 |\n";
        json jt = json::array();
        for (const prune_run* row : rows_of(runs, arch, "main")) {
            const auto v = seeds_of(runs, arch, row->key);
            if (v.empty()) {
                md << "| " << row->label << " | "
                   << (ctx.partial ? "not complete" : "failed") << " (see " << row->dir
                   << "/prune.log) |\n";
                continue;
            }
            const json& p = v[0]->report;
            const bool soft = p["soft"].get<bool>();
            const spread a = over(v, acc_after);
            const spread d = over(v, [](const prune_run& r) {
                return acc_after(r) - r.report["before"]["test_acc"].get<double>();
            });
            const spread fpr =
                over(v, [](const prune_run& r) { return reduction(r, "flops"); });
            const spread ppr =
                over(v, [](const prune_run& r) { return reduction(r, "params"); });
            const double f0 = p["before"]["flops"], p0 = p["before"]["params"];
            double fps = NAN;
            for (auto* r : v)
                if (r->seed == 1 && r->fps > 0)
                    fps = r->fps;
            char sp[16];
            std::snprintf(sp, sizeof sp, "%.2f", fps / dense_fps);
            md << "| " << row->label
               << missing_note(v.size(), size_t(ctx.seeds), ctx.partial) << " | "
               << p["kind"].get<std::string>() << (soft ? " (soft)" : "") << " | "
               << pct_sd(a) << " | " << pct_sd(d, true) << " | "
               << (soft ? "-" : "-" + count(fpr.mean * f0)) << " | -"
               << count(ppr.mean * p0) << " | " << (soft ? "-" : pct(fpr.mean)) << " | "
               << pct(ppr.mean) << " | " << (std::isnan(fps) ? "-" : fmt(std::round(fps)))
               << " | " << (std::isnan(fps) ? "-" : sp) << " |\n";
            jt.push_back(
                { { "method", row->method },
                  { "acc_mean", a.mean },
                  { "acc_sd", std::isnan(a.sd) ? json(nullptr) : json(a.sd) },
                  { "seeds", v.size() },
                  { "params_pr", ppr.mean },
                  { "flops_pr", soft ? json(nullptr) : json(fpr.mean) },
                  { "frames_per_s", std::isnan(fps) ? json(nullptr) : json(fps) } });
        }
        j["main"][arch] = jt;

        // FCOS against each baseline, paired by seed (the same dense model).
        if (ctx.seeds > 1) {
            struct pair_row {
                std::string label;
                std::vector<double> d;
                spread s;
            };
            std::vector<pair_row> pairs;
            const auto fcos = seeds_of(runs, arch, "fcos");
            for (const prune_run* row : rows_of(runs, arch, "main")) {
                if (row->key == "fcos")
                    continue;
                pair_row pr{ row->label, {}, {} };
                for (auto* f : fcos)
                    for (auto* b : seeds_of(runs, arch, row->key))
                        if (b->seed == f->seed)
                            pr.d.push_back(acc_after(*f) - acc_after(*b));
                pr.s = mean_and_sd(pr.d);
                if (!pr.d.empty())
                    pairs.push_back(pr);
            }
            std::sort(
                pairs.begin(), pairs.end(), [](const pair_row& a, const pair_row& b) {
                    return a.s.mean < b.s.mean; // the closest competitor first
                });
            md << "\nFCOS against each baseline at matched compression, paired by seed: "
                  "mean ± sd of (FCOS - baseline) accuracy in points, seeds FCOS won, "
                  "and "
                  "\"beyond the spread\" where every seed agrees and the mean exceeds "
                  "the "
                  "sd. Closest competitor first.\n\n| Baseline | FCOS - baseline | won | "
                  "verdict |\n|---|---:|---:|---|\n";
            json jp = json::array();
            for (const auto& pr : pairs) {
                size_t won = 0;
                for (double x : pr.d)
                    won += x > 0;
                const int sign = paired_verdict(pr.d);
                const char* verdict = pr.d.size() < 2 ? "one seed"
                                      : sign > 0      ? "FCOS better, beyond the spread"
                                      : sign < 0      ? "FCOS worse, beyond the spread"
                                                      : "within the spread";
                md << "| " << pr.label << " | " << pct_sd(pr.s, true) << " | " << won
                   << "/" << pr.d.size() << " | " << verdict << " |\n";
                jp.push_back({ { "baseline", pr.label },
                               { "diff", pr.d },
                               { "verdict", verdict } });
            }
            j["fcos_vs_baselines"][arch] = jp;
        }
    }

    // The FCOS variants of the first architecture.
    const std::string first = ctx.models.at(0);
    auto variant_table = [&](const std::string& table,
                             const std::string& title,
                             const std::string& first_label) {
        auto rows = rows_of(runs, first, table);
        if (rows.empty())
            return;
        md << "\n## " << title << " (" << first << ", " << seeds_note << ")\n\n"
           << "| Variant | layers removed | Acc after fusion, before fine-tuning(%) | "
              "Acc(%) | Params PR | FLOPs PR |\n|---|---:|---:|---:|---:|---:|\n";
        std::vector<const prune_run*> all = { nullptr };
        for (auto* r : rows)
            all.push_back(r);
        json jt = json::array();
        for (auto* row : all) {
            const std::string key = row ? row->key : "fcos";
            const auto v = seeds_of(runs, first, key);
            if (v.empty())
                continue;
            const spread layers = over(v, layers_removed);
            const spread fused = over(v, [](const prune_run& r) {
                const auto& c = r.report["channel_fusion"]["test_acc"];
                return c.is_number() ? c.get<double>() : NAN;
            });
            const spread a = over(v, acc_after);
            char l[48];
            std::snprintf(l,
                          sizeof l,
                          std::isnan(layers.sd) ? "%.1f" : "%.1f ± %.1f",
                          layers.mean,
                          layers.sd);
            md << "| " << (row ? row->label : first_label)
               << missing_note(v.size(), size_t(ctx.seeds), ctx.partial) << " | "
               << (std::isnan(layers.mean) ? "-" : l) << " | " << pct_sd(fused) << " | "
               << pct_sd(a) << " | "
               << pct(over(v, [](const prune_run& r) { return reduction(r, "params"); })
                          .mean)
               << " | "
               << pct(over(v, [](const prune_run& r) { return reduction(r, "flops"); })
                          .mean)
               << " |\n";
            jt.push_back({ { "variant", key },
                           { "layers_removed", layers.mean },
                           { "acc_mean", a.mean },
                           { "acc_sd", std::isnan(a.sd) ? json(nullptr) : json(a.sd) } });
        }
        j[table] = jt;
    };
    variant_table("ablation",
                  "FCOS ablations: similarity, fusion weights, input-channel fusion",
                  "FCOS (cosine, mean, sum inputs)");
    variant_table("beta",
                  "LaCD threshold beta (the paper gives no value)",
                  "FCOS, beta " + fmt(ctx.beta) + " (default)");
    variant_table("probe",
                  "Where the LaCD probes are scored",
                  "FCOS, probes scored on 10 % of the train part (ours)");
    std::ofstream(out_dir + "/tables.md") << md.str();
    std::ofstream(out_dir + "/results.csv") << csv.str();
    return j;
}

} // namespace amr
