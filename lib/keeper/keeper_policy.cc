/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "coreset/method_util.h"
#include "keeper_policy.h"
#include <gnuradio/amrcompress/error.h>
#include <algorithm>
#include <cmath>
#include <map>

namespace gr {
namespace amrcompress {
namespace keeper {

namespace {

// Equal shares of `budget` over groups of the given sizes, capped by size.
std::vector<size_t> equal_shares(const std::vector<size_t>& sizes, size_t budget)
{
    return coreset::apportion(budget, std::vector<double>(sizes.size(), 1.0), sizes);
}

} // namespace

std::vector<size_t>
class_shares(const std::vector<int32_t>& labels, size_t num_classes, size_t budget)
{
    std::vector<size_t> sizes(num_classes, 0);
    for (int32_t y : labels) {
        if (y < 0 || size_t(y) >= num_classes)
            throw input_error("coreset keeper: label " + std::to_string(y) +
                              " outside the class list");
        sizes[y]++;
    }
    return equal_shares(sizes, budget);
}

std::vector<size_t> keep_within_budget(const std::vector<int32_t>& labels,
                                       const std::vector<float>& snr_db,
                                       const std::vector<coreset::foqus_tally>& tallies,
                                       const policy_options& opt,
                                       std::mt19937_64& rng)
{
    const size_t n = labels.size();
    if (snr_db.size() != n || tallies.size() != n)
        throw input_error(
            "coreset keeper: labels, SNRs and trajectories differ in length");
    if (opt.stratify_snr && !(opt.snr_bin_db > 0))
        throw input_error("coreset keeper: the SNR bin width must be > 0");
    coreset::validate_foqus_options(opt.foqus);
    const std::vector<size_t> shares = class_shares(labels, opt.num_classes, opt.budget);

    // Groups: per class, or per (class, SNR bin); the map orders bins.
    std::vector<std::map<long, std::vector<size_t>>> groups(opt.num_classes);
    for (size_t r = 0; r < n; r++) {
        const long bin = opt.stratify_snr && std::isfinite(snr_db[r])
                             ? long(std::floor(snr_db[r] / opt.snr_bin_db))
                             : 0;
        groups[labels[r]][bin].push_back(r);
    }
    // Normalisation (if any) over everything the keeper holds now, as amr
    // select fits it over every candidate of a record.
    std::vector<coreset::foqus_row> rows(n);
    for (size_t r = 0; r < n; r++)
        rows[r] = tallies[r].scores(opt.foqus.beta);
    const auto scaling = coreset::fit_foqus_scaling(rows, opt.foqus);
    auto score = [&](size_t r) {
        return coreset::foqus_combine(rows[r], opt.foqus, scaling);
    };
    std::vector<size_t> keep;
    for (size_t c = 0; c < opt.num_classes; c++) {
        std::vector<size_t> sizes;
        for (const auto& g : groups[c])
            sizes.push_back(g.second.size());
        const auto bin_share = equal_shares(sizes, shares[c]);
        size_t b = 0;
        for (const auto& g : groups[c]) {
            const size_t k = bin_share[b++];
            if (k == g.second.size()) { // the whole group fits: nothing to rank
                keep.insert(keep.end(), g.second.begin(), g.second.end());
                continue;
            }
            auto order = coreset::top_k(g.second, g.second.size(), rng, score);
            std::vector<double> scores(order.size());
            for (size_t i = 0; i < order.size(); i++)
                scores[i] = score(order[i]);
            auto picked = coreset::foqus_pick(order, scores, k, opt.foqus, rng);
            keep.insert(keep.end(), picked.begin(), picked.end());
        }
    }
    std::sort(keep.begin(), keep.end());
    return keep;
}

} // namespace keeper
} // namespace amrcompress
} // namespace gr
