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

double foqus_combine(const foqus_row& s, const foqus_options& o)
{
    return (o.use_forget ? s.forget : 0) + (o.use_persist ? s.persist : 0) +
           (o.use_quality ? s.quality : 0); // Eq. 8
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

std::unique_ptr<coreset_method> make_foqus(const coreset_options& o)
{
    const foqus_options opt = o.foqus;
    validate_foqus_options(opt);
    return make_method({ true, false, false },
                       [opt](const coreset_inputs& in,
                             const std::vector<size_t>& group,
                             size_t k,
                             std::mt19937_64& rng) {
                           const training_dynamics& d = *in.dynamics;
                           // Descending score; top_k of everything is a full,
                           // tie-randomised sort.
                           auto order = top_k(group, group.size(), rng, [&](size_t r) {
                               return foqus_combine(foqus_row_scores(d, r, opt.beta),
                                                    opt);
                           });
                           return foqus_tiered_pick(order, k, opt, rng);
                       });
}

} // namespace coreset

foqus_scores compute_foqus_scores(const training_dynamics& d,
                                  double beta,
                                  bool use_forget,
                                  bool use_persist,
                                  bool use_quality)
{
    if (d.epochs < 2)
        throw input_error(d.path,
                          "FoQuS needs at least 2 recorded epochs, the record has " +
                              std::to_string(d.epochs));
    foqus_options o;
    o.beta = beta;
    o.use_forget = use_forget;
    o.use_persist = use_persist;
    o.use_quality = use_quality;
    foqus_scores s;
    const size_t n = d.size();
    s.forget.resize(n);
    s.persist.resize(n);
    s.quality.resize(n);
    s.total.resize(n);
    for (size_t r = 0; r < n; r++) {
        auto x = coreset::foqus_row_scores(d, r, beta);
        s.forget[r] = x.forget;
        s.persist[r] = x.persist;
        s.quality[r] = x.quality;
        s.total[r] = coreset::foqus_combine(x, o);
    }
    return s;
}

} // namespace amrcompress
} // namespace gr
