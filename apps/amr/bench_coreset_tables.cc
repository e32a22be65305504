/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "bench_coreset_tables.h"
#include "bench_util.h"
#include "summary.h"
#include <nlohmann/json.hpp>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace amr {

using json = nlohmann::json;

namespace {

struct stat {
    double mean = NAN, sd = NAN;
    size_t n = 0, failed = 0;
};

stat summarise(const std::vector<double>& v)
{
    stat s;
    std::vector<double> ok;
    for (double x : v)
        (std::isnan(x) ? s.failed : (ok.push_back(x), s.n))++;
    const mean_sd m = mean_and_sd(ok);
    s.mean = m.mean;
    s.sd = m.sd;
    return s;
}

std::string pct(double r)
{
    std::ostringstream o;
    o << r * 100 << " %";
    return o.str();
}

std::string cell(const stat& s, bool best)
{
    if (std::isnan(s.mean))
        return "failed";
    char b[64];
    if (std::isnan(s.sd))
        std::snprintf(b, sizeof b, "%.4f", s.mean);
    else
        std::snprintf(b, sizeof b, "%.4f ± %.4f", s.mean, s.sd);
    std::string out = best ? "**" + std::string(b) + "**" : std::string(b);
    if (s.failed)
        out += " (" + std::to_string(s.failed) + " failed)";
    return out;
}

// A table's head: Method, one column per rate, and Avg when there are several.
void rate_header(std::ostream& md, const std::vector<double>& rates)
{
    md << "| Method |";
    for (double rate : rates)
        md << " " << pct(rate) << " |";
    md << (rates.size() > 1 ? " Avg |\n|---|" : "\n|---|");
    for (size_t i = 0; i < rates.size() + (rates.size() > 1); i++)
        md << "---:|";
    md << "\n";
}

/*
 * One table: rows = variants in first-appearance order, columns = rates,
 * plus the mean over the rates; the best mean per column in bold.
 */
json table(std::ostream& md,
           const std::vector<const run_spec*>& runs,
           const std::vector<double>& rates,
           const std::string& extra_row_label,
           double extra_row_value)
{
    std::vector<std::string> rows;
    std::map<std::string, std::string> labels;
    for (auto* r : runs)
        if (!labels.count(r->v.key)) {
            rows.push_back(r->v.key);
            labels[r->v.key] = r->v.label;
        }
    std::map<std::string, std::map<double, stat>> st;
    for (const auto& k : rows)
        for (double rate : rates) {
            std::vector<double> acc;
            for (auto* r : runs)
                if (r->v.key == k && r->rate == rate)
                    acc.push_back(r->accuracy);
            st[k][rate] = summarise(acc);
        }
    std::map<std::string, double> avg;
    for (const auto& k : rows) {
        double sum = 0;
        for (double rate : rates)
            sum += st[k][rate].mean;
        avg[k] = sum / rates.size();
    }
    auto best_of = [&](auto value) {
        double b = -1;
        for (const auto& k : rows)
            if (!std::isnan(value(k)))
                b = std::max(b, value(k));
        return b;
    };
    rate_header(md, rates);
    json j = json::array();
    for (const auto& k : rows) {
        md << "| " << labels[k] << " |";
        json jr = { { "variant", k },
                    { "label", labels[k] },
                    { "rates", json::array() } };
        for (double rate : rates) {
            const auto& c = st[k][rate];
            const double b =
                best_of([&](const std::string& x) { return st[x][rate].mean; });
            md << " " << cell(c, c.mean == b) << " |";
            jr["rates"].push_back(
                { { "rate", rate },
                  { "mean", std::isnan(c.mean) ? json(nullptr) : json(c.mean) },
                  { "sd", std::isnan(c.sd) ? json(nullptr) : json(c.sd) },
                  { "runs", c.n },
                  { "failed", c.failed } });
        }
        if (rates.size() > 1) {
            const double b = best_of([&](const std::string& x) { return avg[x]; });
            char a[32];
            std::snprintf(a, sizeof a, "%.4f", avg[k]);
            md << " " << (avg[k] == b ? "**" + std::string(a) + "**" : std::string(a))
               << " |";
            jr["avg"] = std::isnan(avg[k]) ? json(nullptr) : json(avg[k]);
        }
        md << "\n";
        j.push_back(jr);
    }
    if (!extra_row_label.empty() && !std::isnan(extra_row_value)) {
        char a[32];
        std::snprintf(a, sizeof a, "%.4f", extra_row_value);
        md << "| " << extra_row_label << " |";
        for (size_t i = 0; i < rates.size() + (rates.size() > 1); i++)
            md << " " << (i == 0 ? a : "") << " |";
        md << "\n";
    }
    md << "\n";
    return j;
}

/*
 * Every variant against Uniform, paired by seed (same seed = same training
 * seed and the same generated data): the mean and sample sd of the
 * per-seed differences, the seeds won, and a verdict. "beyond the spread"
 * means every seed agrees in sign and the mean difference exceeds its sd;
 * with 3 seeds that is the most the data can say.
 */
json paired_with_uniform(std::ostream& md,
                         const std::vector<const run_spec*>& runs,
                         const std::vector<double>& rates)
{
    auto acc = [&](const std::string& key, double rate, uint64_t seed) {
        for (auto* r : runs)
            if (r->v.key == key && r->rate == rate && r->seed == seed)
                return r->accuracy;
        return double(NAN);
    };
    std::vector<std::string> rows;
    std::map<std::string, std::string> labels;
    std::vector<uint64_t> seeds;
    bool has_uniform = false;
    for (auto* r : runs) {
        has_uniform |= r->v.key == "uniform";
        if (std::find(seeds.begin(), seeds.end(), r->seed) == seeds.end())
            seeds.push_back(r->seed);
        if (r->v.key != "uniform" && !labels.count(r->v.key)) {
            rows.push_back(r->v.key);
            labels[r->v.key] = r->v.label;
        }
    }
    json j = json::array();
    if (!has_uniform || rows.empty() || seeds.size() < 2)
        return j;
    auto verdict = [](const std::vector<double>& d, stat st) {
        size_t won = 0;
        for (double x : d)
            won += x > 0;
        const int sign = paired_verdict(d);
        const char* v = sign > 0 ? " better" : sign < 0 ? " worse" : "";
        char b[96];
        std::snprintf(
            b, sizeof b, "%+.4f ± %.4f (%zu/%zu)%s", st.mean, st.sd, won, d.size(), v);
        return std::string(b);
    };
    md << "Paired by seed against Uniform: mean ± sd of (variant - Uniform) over the "
          "seeds, seeds won, and \"better\"/\"worse\" where every seed agrees and the "
          "mean exceeds the sd.\n\n";
    rate_header(md, rates);
    for (const auto& k : rows) {
        md << "| " << labels[k] << " |";
        json jr = { { "variant", k },
                    { "label", labels[k] },
                    { "rates", json::array() } };
        std::vector<double> avg_diff(seeds.size(), 0.0);
        std::vector<bool> avg_ok(seeds.size(), true);
        for (double rate : rates) {
            std::vector<double> d;
            for (size_t i = 0; i < seeds.size(); i++) {
                const double x = acc(k, rate, seeds[i]) - acc("uniform", rate, seeds[i]);
                if (std::isnan(x))
                    avg_ok[i] = false;
                else {
                    d.push_back(x);
                    avg_diff[i] += x / rates.size();
                }
            }
            const stat st = summarise(d);
            md << " " << (d.empty() ? std::string("-") : verdict(d, st)) << " |";
            jr["rates"].push_back({ { "rate", rate },
                                    { "diff", d },
                                    { "mean", st.n ? json(st.mean) : json(nullptr) },
                                    { "sd", st.n > 1 ? json(st.sd) : json(nullptr) } });
        }
        if (rates.size() > 1) {
            std::vector<double> d;
            for (size_t i = 0; i < seeds.size(); i++)
                if (avg_ok[i])
                    d.push_back(avg_diff[i]);
            md << " " << (d.empty() ? std::string("-") : verdict(d, summarise(d)))
               << " |";
            jr["avg_diff"] = d;
        }
        md << "\n";
        j.push_back(jr);
    }
    md << "\n";
    return j;
}

std::vector<const run_spec*> where(const std::vector<run_spec>& runs,
                                   const std::string& t,
                                   const std::string& sel,
                                   const std::string& trn)
{
    std::vector<const run_spec*> v;
    for (const auto& r : runs)
        if (r.table == t && r.selector == sel && r.trainer == trn)
            v.push_back(&r);
    return v;
}

std::vector<std::pair<std::string, std::string>>
pairs_of(const std::vector<run_spec>& runs, const std::string& t)
{
    std::vector<std::pair<std::string, std::string>> p;
    for (const auto& r : runs)
        if (r.table == t &&
            std::find(p.begin(), p.end(), std::make_pair(r.selector, r.trainer)) ==
                p.end())
            p.push_back({ r.selector, r.trainer });
    return p;
}

} // namespace

void write_tables(const std::vector<run_spec>& runs,
                  const table_context& ctx,
                  const std::string& out_dir)
{
    std::ofstream csv(out_dir + "/results.csv");
    csv << "table,selector,trainer,variant,label,rate,seed,test_accuracy,run_dir\n";
    for (const auto& r : runs)
        csv << r.table << "," << r.selector << "," << r.trainer << "," << r.v.key << ",\""
            << r.v.label << "\"," << r.rate << "," << r.seed << ","
            << (std::isnan(r.accuracy) ? std::string("") : std::to_string(r.accuracy))
            << "," << r.dir << "\n";

    std::ostringstream md;
    json j = json::object();
    md << "# amr bench coreset\n\n"
       << ctx.description << "; test accuracy after training on "
       << "the coreset, mean ± sample standard deviation over the seeds (a single "
       << "value: one seed); best mean per column in bold. "
       << "Total time " << static_cast<long>(ctx.seconds) << " s.\n\n";
    auto ep = [&](const std::string& a) {
        auto it = ctx.epochs.find(a);
        return it == ctx.epochs.end() ? 0 : it->second;
    };
    for (const auto& [sel, trn] : pairs_of(runs, "same")) {
        md << "## Same architecture (Table I): " << sel << ", " << ep(trn)
           << " epochs per coreset\n\n";
        const std::string full = "Full training set (" +
                                 std::to_string(ctx.pre_epochs.at(sel)) +
                                 " epochs, the selection model)";
        j["same"][sel] = table(md,
                               where(runs, "same", sel, trn),
                               ctx.rates,
                               full,
                               ctx.full_accuracy.at(sel));
        j["same_vs_uniform"][sel] =
            paired_with_uniform(md, where(runs, "same", sel, trn), ctx.rates);
    }
    for (const auto& [sel, trn] : pairs_of(runs, "cross")) {
        md << "## Cross-architecture (Table III): selected with " << sel << ", trained "
           << trn << " (" << ep(trn) << " epochs)\n\n";
        j["cross"][sel + "->" + trn] =
            table(md, where(runs, "cross", sel, trn), ctx.rates, "", NAN);
        j["cross_vs_uniform"][sel + "->" + trn] =
            paired_with_uniform(md, where(runs, "cross", sel, trn), ctx.rates);
    }
    for (const auto& [sel, trn] : pairs_of(runs, "ablation")) {
        md << "## FoQuS metric ablation (Table V): " << sel << ", rate "
           << pct(ctx.ablation_rate) << "\n\n";
        j["ablation"] =
            table(md, where(runs, "ablation", sel, trn), { ctx.ablation_rate }, "", NAN);
    }
    for (const auto& [sel, trn] : pairs_of(runs, "stratify")) {
        md << "## Class-balanced vs class x SNR-balanced budgets: " << sel << "\n\n";
        j["stratify"] = table(md, where(runs, "stratify", sel, trn), ctx.rates, "", NAN);
    }
    for (const auto& [sel, trn] : pairs_of(runs, "tiers")) {
        md << "## FoQuS tier mixes (tier 1 = highest scores; tier bounds 1/3, 2/3): "
           << sel << "\n\n";
        j["tiers"] = table(md, where(runs, "tiers", sel, trn), ctx.tier_rates, "", NAN);
    }
    for (const auto& [sel, trn] : pairs_of(runs, "norm")) {
        md << "## FoQuS's three metrics: added as printed (Eq. 8) or normalised first: "
           << sel << "\n\n";
        j["norm"] = table(md, where(runs, "norm", sel, trn), ctx.rates, "", NAN);
        j["norm_vs_uniform"] =
            paired_with_uniform(md, where(runs, "norm", sel, trn), ctx.rates);
    }
    for (const auto& [sel, trn] : pairs_of(runs, "sampling")) {
        md << "## FoQuS's sampling: tiers or coverage-centric strata (CCS): " << sel
           << "\n\n";
        j["sampling"] = table(md, where(runs, "sampling", sel, trn), ctx.rates, "", NAN);
        j["sampling_vs_uniform"] =
            paired_with_uniform(md, where(runs, "sampling", sel, trn), ctx.rates);
    }
    std::ofstream(out_dir + "/tables.md") << md.str();
    write_json(j, out_dir + "/tables.json");
    std::fputs(md.str().c_str(), stdout);
}

} // namespace amr
