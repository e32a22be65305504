/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * FoQuS (Lu et al.): scores from the training dynamics, then tiered sampling.
 *
 * Note on what the sum measures (docs/coreset.md): forget + persist counts
 * the wrong epochs among 2..T over T-1, and the first term of quality counts
 * the right ones over T, so the two nearly cancel; the total is
 * 1 - beta * (mean loss) plus a term within +-1/T. With all three metrics
 * FoQuS therefore ranks mostly by mean training loss, easy samples first.
 */
#include "method_util.h"
#include <gnuradio/amrcompress/error.h>
#include <algorithm>
#include <cmath>
#include <mutex>

namespace gr {
namespace amrcompress {
namespace coreset {

foqus_row foqus_row_scores(const training_dynamics& d, size_t r, double beta)
{
    const size_t T = d.epochs;
    const uint8_t* p = &d.pred[r * T];
    const float* l = &d.loss[r * T];
    foqus_tally tally;
    for (size_t t = 0; t < T; t++)
        tally.add(p[t] == d.label[r], l[t]); // Eq. 3
    return tally.scores(beta);
}

foqus_scaling fit_foqus_scaling(const std::vector<foqus_row>& rows,
                                const foqus_options& o)
{
    foqus_scaling k;
    if (o.normalise == "sum" || rows.empty())
        return k;
    auto metric = [](const foqus_row& r, int m) {
        return m == 0 ? r.forget : m == 1 ? r.persist : r.quality;
    };
    for (int m = 0; m < 3; m++) {
        if (o.normalise == "minmax") {
            double lo = metric(rows[0], m), hi = lo;
            for (const auto& r : rows) {
                lo = std::min(lo, metric(r, m));
                hi = std::max(hi, metric(r, m));
            }
            k.offset[m] = lo;
            k.scale[m] = hi - lo;
        } else { // zscore: population standard deviation, two passes
            double mean = 0;
            for (const auto& r : rows)
                mean += metric(r, m);
            mean /= rows.size();
            double q = 0;
            for (const auto& r : rows)
                q += (metric(r, m) - mean) * (metric(r, m) - mean);
            k.offset[m] = mean;
            k.scale[m] = std::sqrt(q / rows.size());
        }
        // A spread at rounding level is no spread: dividing by it would
        // turn noise into a full-weight metric.
        if (!(k.scale[m] > 1e-12))
            k.scale[m] = 0;
    }
    return k;
}

double foqus_combine(const foqus_row& s, const foqus_options& o, const foqus_scaling& k)
{
    auto term = [&](bool on, double x, int m) {
        return on && k.scale[m] != 0 ? (x - k.offset[m]) / k.scale[m] : 0.0;
    };
    return term(o.use_forget, s.forget, 0) + term(o.use_persist, s.persist, 1) +
           term(o.use_quality, s.quality, 2); // Eq. 8
}

void validate_foqus_options(const foqus_options& opt)
{
    if (opt.tier_bounds.size() != 2 || !(opt.tier_bounds[0] >= 0) ||
        !(opt.tier_bounds[1] >= opt.tier_bounds[0]) || !(opt.tier_bounds[1] <= 1))
        throw input_error("FoQuS tier bounds must be two fractions 0 <= b1 <= b2 <= 1");
    if (opt.tier_mix.size() != 3)
        throw input_error("FoQuS tier mix must have three shares");
    double s = 0;
    for (double m : opt.tier_mix) {
        if (!(m >= 0) || !std::isfinite(m))
            throw input_error("FoQuS tier shares must be finite and >= 0");
        s += m;
    }
    if (!(s > 0))
        throw input_error("FoQuS tier shares must not all be 0");
    if (!opt.use_forget && !opt.use_persist && !opt.use_quality)
        throw input_error("FoQuS needs at least one of its three metrics");
    if (!std::isfinite(opt.beta))
        throw input_error("FoQuS beta must be finite");
    if (opt.normalise != "sum" && opt.normalise != "minmax" && opt.normalise != "zscore")
        throw input_error("FoQuS normalisation must be sum, minmax or zscore, not '" +
                          opt.normalise + "'");
    if (opt.sampling != "tiers" && opt.sampling != "ccs")
        throw input_error("FoQuS sampling must be tiers or ccs, not '" + opt.sampling +
                          "'");
    if (!(opt.ccs_drop >= 0 && opt.ccs_drop < 1))
        throw input_error("the CCS hard cut-off must be a fraction in [0, 1)");
    if (opt.ccs_strata < 1)
        throw input_error("CCS needs at least one stratum");
}

std::vector<size_t> foqus_tiered_pick(const std::vector<size_t>& order,
                                      size_t k,
                                      const foqus_options& opt,
                                      std::mt19937_64& rng)
{
    const size_t n = order.size();
    const size_t e1 = static_cast<size_t>(std::lround(opt.tier_bounds[0] * n));
    const size_t e2 =
        std::max(e1, static_cast<size_t>(std::lround(opt.tier_bounds[1] * n)));
    const size_t edges[4] = { 0, e1, e2, n };
    auto take =
        apportion(k,
                  opt.tier_mix,
                  { edges[1] - edges[0], edges[2] - edges[1], edges[3] - edges[2] });
    std::vector<size_t> out;
    for (int t = 0; t < 3; t++) {
        std::vector<size_t> tier(order.begin() + edges[t], order.begin() + edges[t + 1]);
        auto s = sample(tier, take[t], rng);
        out.insert(out.end(), s.begin(), s.end());
    }
    return out;
}

std::vector<size_t> foqus_pick(const std::vector<size_t>& order,
                               const std::vector<double>& scores,
                               size_t k,
                               const foqus_options& o,
                               std::mt19937_64& rng)
{
    return o.sampling == "ccs" ? ccs_pick(order, scores, k, o, rng)
                               : foqus_tiered_pick(order, k, o, rng);
}

namespace {

std::vector<foqus_row> all_rows(const training_dynamics& d, double beta)
{
    std::vector<foqus_row> rows(d.size());
    for (size_t r = 0; r < rows.size(); r++)
        rows[r] = foqus_row_scores(d, r, beta);
    return rows;
}

//! The score FoQuS ranks by, for every row of the record: the enabled
//! metrics scaled over all rows (the normalisation is the whole training
//! set's, as in the paper; the per-class sampling only reads it) and added.
std::vector<double> all_totals(const std::vector<foqus_row>& rows, const foqus_options& o)
{
    const auto scaling = fit_foqus_scaling(rows, o);
    std::vector<double> total(rows.size());
    for (size_t r = 0; r < rows.size(); r++)
        total[r] = foqus_combine(rows[r], o, scaling);
    return total;
}

} // namespace

std::unique_ptr<coreset_method> make_foqus(const coreset_options& o)
{
    const foqus_options opt = o.foqus;
    validate_foqus_options(opt);
    // Every row's score is computed once per record and shared by the
    // groups (a method object serves one selection).
    struct scored {
        std::mutex lock;
        const training_dynamics* for_record = nullptr;
        std::vector<double> total;
    };
    auto cache = std::make_shared<scored>();
    return make_method({ true, false, false },
                       [opt, cache](const coreset_inputs& in,
                                    const std::vector<size_t>& group,
                                    size_t k,
                                    std::mt19937_64& rng) {
                           const training_dynamics& d = *in.dynamics;
                           std::lock_guard<std::mutex> g(cache->lock);
                           if (cache->for_record != &d) {
                               cache->total = all_totals(all_rows(d, opt.beta), opt);
                               cache->for_record = &d;
                           }
                           const std::vector<double>& total = cache->total;
                           // Descending score; top_k of everything is a full,
                           // tie-randomised sort.
                           auto order = top_k(group, group.size(), rng, [&](size_t r) {
                               return total[r];
                           });
                           std::vector<double> scores(order.size());
                           for (size_t i = 0; i < order.size(); i++)
                               scores[i] = total[order[i]];
                           return foqus_pick(order, scores, k, opt, rng);
                       });
}

} // namespace coreset

foqus_scores compute_foqus_scores(const training_dynamics& d, const foqus_options& o)
{
    if (d.epochs < 2)
        throw input_error(d.path,
                          "FoQuS needs at least 2 recorded epochs, the record has " +
                              std::to_string(d.epochs));
    coreset::validate_foqus_options(o);
    const auto rows = coreset::all_rows(d, o.beta);
    foqus_scores s;
    s.total = coreset::all_totals(rows, o);
    for (const auto& r : rows) {
        s.forget.push_back(r.forget);
        s.persist.push_back(r.persist);
        s.quality.push_back(r.quality);
    }
    return s;
}

foqus_scores compute_foqus_scores(const training_dynamics& d,
                                  double beta,
                                  bool use_forget,
                                  bool use_persist,
                                  bool use_quality)
{
    foqus_options o;
    o.beta = beta;
    o.use_forget = use_forget;
    o.use_persist = use_persist;
    o.use_quality = use_quality;
    return compute_foqus_scores(d, o);
}

} // namespace amrcompress
} // namespace gr
