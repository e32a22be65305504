/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "method_util.h"
#include <gnuradio/amrcompress/error.h>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace gr {
namespace amrcompress {
namespace coreset {

std::vector<size_t> top_k(const std::vector<size_t>& group,
                          size_t k,
                          std::mt19937_64& rng,
                          const std::function<double(size_t row)>& score)
{
    struct scored {
        double s;
        uint64_t tie;
        size_t row;
    };
    std::vector<scored> v;
    v.reserve(group.size());
    for (size_t r : group) {
        double s = score(r);
        if (std::isnan(s)) // never prefer a sample whose score is undefined
            s = -std::numeric_limits<double>::infinity();
        v.push_back({ s, rng(), r });
    }
    k = std::min(k, v.size());
    auto better = [](const scored& a, const scored& b) {
        return a.s != b.s ? a.s > b.s : a.tie < b.tie;
    };
    std::partial_sort(v.begin(), v.begin() + k, v.end(), better);
    std::vector<size_t> out(k);
    for (size_t i = 0; i < k; i++)
        out[i] = v[i].row;
    return out;
}

std::vector<size_t>
sample(const std::vector<size_t>& group, size_t k, std::mt19937_64& rng)
{
    std::vector<size_t> v = group;
    k = std::min(k, v.size());
    // Partial Fisher-Yates: the first k positions become a uniform sample.
    for (size_t i = 0; i < k; i++) {
        std::uniform_int_distribution<size_t> pick(i, v.size() - 1);
        std::swap(v[i], v[pick(rng)]);
    }
    v.resize(k);
    return v;
}

std::vector<size_t> k_center_greedy(const std::vector<size_t>& group,
                                    size_t k,
                                    std::mt19937_64& rng,
                                    const std::function<double(size_t a, size_t b)>& dist)
{
    const size_t n = group.size();
    k = std::min(k, n);
    std::vector<size_t> out;
    if (k == 0)
        return out;
    std::vector<double> min_d(n, std::numeric_limits<double>::infinity());
    std::vector<char> taken(n, 0);
    size_t next = std::uniform_int_distribution<size_t>(0, n - 1)(rng);
    while (true) {
        taken[next] = 1;
        out.push_back(group[next]);
        if (out.size() == k)
            break;
        size_t best = n;
        double best_d = -1;
        for (size_t j = 0; j < n; j++) {
            if (taken[j])
                continue;
            min_d[j] = std::min(min_d[j], dist(next, j));
            if (min_d[j] > best_d) {
                best_d = min_d[j];
                best = j;
            }
        }
        next = best;
    }
    return out;
}

std::vector<size_t> apportion(size_t total,
                              const std::vector<double>& weights,
                              const std::vector<size_t>& caps)
{
    const size_t m = weights.size();
    std::vector<size_t> out(m, 0);
    size_t room = 0;
    for (size_t c : caps)
        room += c;
    size_t left = std::min(total, room);
    // Each round shares what is left among the parts with room, by weight
    // (equally if those weights are all zero); a part that hits its cap
    // leaves the rest to the next round.
    while (left > 0) {
        std::vector<size_t> open;
        double wsum = 0;
        for (size_t i = 0; i < m; i++)
            if (out[i] < caps[i]) {
                open.push_back(i);
                wsum += std::max(weights[i], 0.0);
            }
        const bool equal = wsum <= 0;
        std::vector<std::pair<double, size_t>> frac;
        size_t given = 0;
        for (size_t i : open) {
            const double q =
                left * (equal ? 1.0 / open.size() : std::max(weights[i], 0.0) / wsum);
            const size_t f =
                std::min<size_t>(static_cast<size_t>(std::floor(q)), caps[i] - out[i]);
            out[i] += f;
            given += f;
            if (out[i] < caps[i] && (equal || weights[i] > 0))
                frac.push_back({ q - std::floor(q), i });
        }
        // Largest remainder first; ties to the earlier part.
        std::stable_sort(frac.begin(), frac.end(), [](const auto& a, const auto& b) {
            return a.first > b.first;
        });
        for (size_t j = 0; j < frac.size() && given < left; j++, given++)
            out[frac[j].second]++;
        if (given == 0) // only zero-weight parts have room: share equally next round
            for (size_t i : open)
                if (given < left) {
                    out[i]++;
                    given++;
                }
        left -= given;
    }
    return out;
}

std::vector<float> safe_log(const std::vector<float>& p)
{
    std::vector<float> l(p.size());
    for (size_t i = 0; i < p.size(); i++)
        l[i] = std::log(std::max(p[i], 1e-12f));
    return l;
}

const model_outputs& first_model(const coreset_inputs& in, const char* method)
{
    if (in.models.empty())
        throw input_error(std::string(method) +
                          " needs a trained model's outputs (amr select --model)");
    return in.models.front();
}

namespace {
class lambda_method : public coreset_method
{
public:
    lambda_method(coreset_needs n, choose_fn c) : n(n), c(std::move(c)) {}
    coreset_needs needs() const override { return n; }
    std::vector<size_t> choose(const coreset_inputs& in,
                               const std::vector<size_t>& group,
                               size_t k,
                               std::mt19937_64& rng) const override
    {
        return c(in, group, k, rng);
    }

private:
    coreset_needs n;
    choose_fn c;
};
} // namespace

std::unique_ptr<coreset_method> make_method(coreset_needs needs, choose_fn choose)
{
    return std::make_unique<lambda_method>(needs, std::move(choose));
}

std::unique_ptr<coreset_method>
make_scored_method(coreset_needs needs,
                   std::function<double(const coreset_inputs&, size_t row)> score)
{
    return make_method(needs,
                       [score](const coreset_inputs& in,
                               const std::vector<size_t>& group,
                               size_t k,
                               std::mt19937_64& rng) {
                           return top_k(
                               group, k, rng, [&](size_t r) { return score(in, r); });
                       });
}

} // namespace coreset
} // namespace amrcompress
} // namespace gr
