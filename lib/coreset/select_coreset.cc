/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Class-balanced (optionally class x SNR-balanced) selection: budgets,
 * groups, input checks; the method only chooses within a group.
 */
#include "method_util.h"
#include <gnuradio/amrcompress/coreset.h>
#include <gnuradio/amrcompress/error.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <thread>

namespace gr {
namespace amrcompress {

std::vector<size_t>
class_budgets(const std::vector<int32_t>& labels, size_t num_classes, double rate)
{
    if (!(rate > 0 && rate <= 1))
        throw input_error("the selection rate must be in (0, 1], got " +
                          std::to_string(rate));
    std::vector<size_t> n(num_classes, 0), k(num_classes, 0);
    for (int32_t l : labels)
        n.at(l)++;
    for (size_t c = 0; c < num_classes; c++)
        k[c] = std::min<size_t>(n[c], static_cast<size_t>(std::floor(rate * n[c] + 0.5)));
    return k;
}

namespace {

struct group {
    std::vector<size_t> rows;
    size_t k = 0;
    uint64_t id = 0;
};

void check_inputs(const coreset_inputs& in,
                  const coreset_needs& need,
                  const std::string& method)
{
    const size_t n = in.labels.size();
    if (in.num_classes == 0)
        throw input_error("no classes given for the selection");
    for (int32_t l : in.labels)
        if (l < 0 || size_t(l) >= in.num_classes)
            throw input_error("label " + std::to_string(l) + " outside the " +
                              std::to_string(in.num_classes) + " classes");
    if (!in.snr_db.empty() && in.snr_db.size() != n)
        throw input_error("SNR list and label list differ in length");
    if (need.dynamics) {
        if (!in.dynamics)
            throw input_error(method + " needs a training-dynamics record (amr train's "
                                       "dynamics.h5; amr select --dynamics)");
        if (in.dynamics->size() != n)
            throw input_error(in.dynamics->path,
                              "the dynamics record has " +
                                  std::to_string(in.dynamics->size()) + " rows for " +
                                  std::to_string(n) + " candidates");
        if (in.dynamics->epochs < 2)
            throw input_error(in.dynamics->path,
                              method +
                                  " needs at least 2 recorded epochs, the record has " +
                                  std::to_string(in.dynamics->epochs));
    }
    if (need.probs || need.embeddings) {
        if (in.models.empty())
            throw input_error(method +
                              " needs a trained model's outputs (amr select --model)");
        for (const auto& m : in.models) {
            if (need.probs &&
                (m.classes != in.num_classes || m.probs.size() != n * m.classes))
                throw input_error(method + ": model probabilities do not match the " +
                                  std::to_string(n) + " candidates x " +
                                  std::to_string(in.num_classes) + " classes");
            if (need.embeddings && (m.dim == 0 || m.embeddings.size() != n * m.dim))
                throw input_error(method + ": model embeddings do not match the " +
                                  std::to_string(n) + " candidates");
        }
    }
}

// Deterministic per-group seeds, so groups can run on any thread in any order.
uint64_t mix_seed(uint64_t seed, uint64_t id)
{
    uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (id + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::vector<group> make_groups(const coreset_inputs& in, const coreset_options& opt)
{
    const auto budget = class_budgets(in.labels, in.num_classes, opt.rate);
    std::vector<std::vector<size_t>> by_class(in.num_classes);
    for (size_t r = 0; r < in.labels.size(); r++)
        by_class[in.labels[r]].push_back(r);
    std::vector<group> out;
    for (size_t c = 0; c < in.num_classes; c++) {
        if (!opt.stratify_snr) {
            out.push_back({ by_class[c], budget[c], c });
            continue;
        }
        if (in.snr_db.size() != in.labels.size())
            throw input_error("SNR stratification needs the candidates' SNRs");
        std::map<double, std::vector<size_t>> bins;
        for (size_t r : by_class[c]) {
            const double s = in.snr_db[r];
            bins[opt.snr_bin_db > 0 ? std::floor(s / opt.snr_bin_db) : s].push_back(r);
        }
        std::vector<double> w;
        std::vector<size_t> caps;
        for (auto& [b, rows] : bins) {
            w.push_back(rows.size());
            caps.push_back(rows.size());
        }
        auto k = coreset::apportion(budget[c], w, caps);
        size_t i = 0;
        for (auto& [b, rows] : bins) {
            out.push_back({ std::move(rows), k[i], c * 100003 + i });
            i++;
        }
    }
    return out;
}

} // namespace

coreset_result select_coreset(const coreset_inputs& in, const coreset_options& opt)
{
    const auto t0 = std::chrono::steady_clock::now();
    auto method = make_coreset_method(opt.method, opt);
    check_inputs(in, method->needs(), opt.method);
    auto groups = make_groups(in, opt);

    // Groups are independent: run them on all cores (the distance-based
    // methods are O(n^2) or O(k n) per class).
    std::vector<std::vector<size_t>> chosen(groups.size());
    std::vector<std::exception_ptr> errors(groups.size());
    std::atomic<size_t> next{ 0 };
    auto work = [&] {
        for (size_t g; (g = next++) < groups.size();) {
            try {
                std::mt19937_64 rng(mix_seed(opt.seed, groups[g].id));
                if (groups[g].k > 0)
                    chosen[g] = method->choose(in, groups[g].rows, groups[g].k, rng);
            } catch (...) {
                errors[g] = std::current_exception();
            }
        }
    };
    const size_t nt = std::min<size_t>(groups.size(),
                                       std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::thread> pool;
    for (size_t t = 1; t < nt; t++)
        pool.emplace_back(work);
    work();
    for (auto& t : pool)
        t.join();
    for (auto& e : errors)
        if (e)
            std::rethrow_exception(e);

    coreset_result r;
    r.per_class.assign(in.num_classes, 0);
    std::vector<char> seen(in.labels.size(), 0);
    for (size_t g = 0; g < groups.size(); g++) {
        if (chosen[g].size() != groups[g].k)
            throw std::logic_error("coreset method " + opt.method + " chose " +
                                   std::to_string(chosen[g].size()) + " of " +
                                   std::to_string(groups[g].k) + " frames");
        for (size_t row : chosen[g]) {
            if (row >= seen.size() || seen[row] ||
                in.labels[row] != in.labels[groups[g].rows[0]])
                throw std::logic_error("coreset method " + opt.method +
                                       " chose a duplicate or foreign row");
            seen[row] = 1;
            r.rows.push_back(row);
            r.per_class[in.labels[row]]++;
        }
    }
    std::sort(r.rows.begin(), r.rows.end());
    r.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

} // namespace amrcompress
} // namespace gr
