/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * CNN1D: residual stacks of same-length convolutions, each stack an entry
 * conv and units conv -> ReLU -> conv with the unit's input added back,
 * then a max pool by 2; flatten, fc1, dropout. A stack with "iq_2d" runs
 * over the I/Q plane [B, 1, 2, L] as the FCOS authors' first stack: each
 * unit's first conv (2, k) pads the rows (2 -> 3), its second does not
 * (3 -> 2), and the pool by 2 in both dimensions leaves one row, squeezed
 * away. Presets in lib/model/model_specs.cc; docs/models.md.
 */
#include "../graph_builder.h"
#include "../model_specs.h"
#include <gnuradio/amrcompress/error.h>

namespace gr {
namespace amrcompress {
namespace model {

void graph_cnn1d(graph_builder& b, const nlohmann::json& s, size_t L)
{
    const int k = spec_int(s, "kernel"), ek = spec_int(s, "entry_kernel");
    if (k % 2 == 0 || ek % 2 == 0)
        bad_spec("cnn1d kernels must be odd (same-length convolutions)");
    if (!s.contains("stacks") || !s["stacks"].is_array() || s["stacks"].empty())
        bad_spec("cnn1d needs a non-empty 'stacks' list");
    const size_t n_stacks = s["stacks"].size();
    if (n_stacks >= 20 || L % (size_t(1) << n_stacks) != 0)
        throw input_error("frame length " + std::to_string(L) +
                          " does not fit cnn1d: " + std::to_string(n_stacks) +
                          " max-pool stages need a multiple of " +
                          std::to_string(size_t(1) << std::min<size_t>(n_stacks, 20)));
    const bool bias = spec_bool(s, "bias", true); // the authors' has none
    for (size_t i = 0; i < n_stacks; i++) {
        const nlohmann::json& st = s["stacks"][i];
        const int ch = spec_int(st, "channels");
        const std::string p = "s" + std::to_string(i),
                          sp = "/stacks/" + std::to_string(i);
        const auto units = spec_int_list(st, "units");
        const bool two_d = cnn1d_stack_is_2d(st, i);
        // 2-D: kernels (1, ek) and (2, k); the first unit conv pads a row.
        auto kern = [&](int kw, int kh) {
            return two_d ? std::vector<int64_t>{ kh, kw } : std::vector<int64_t>{ kw };
        };
        auto pads = [&](int pw, int ph) {
            return two_d ? std::vector<int64_t>{ ph, pw } : std::vector<int64_t>{ pw };
        };
        const std::vector<int64_t> one =
            two_d ? std::vector<int64_t>{ 1, 1 } : std::vector<int64_t>{ 1 };
        if (two_d)
            b.unsqueeze();
        b.begin_layer(p + "_entry"); // a linear entry conv
        b.conv(
            p + "_entry", ch, kern(ek, 1), one, pads(ek / 2, 0), bias, sp + "/channels");
        b.end_layer();
        for (size_t u = 0; u < units.size(); u++) {
            const std::string q = p + "_u" + std::to_string(u);
            b.begin_layer(q, sp + "/units", u);
            const std::string r = b.cur;
            b.conv(q + "_c1",
                   units[u],
                   kern(k, 2),
                   one,
                   pads(k / 2, 1),
                   bias,
                   sp + "/units/" + std::to_string(u));
            b.relu();
            b.tap(q + ".inner");
            b.conv(
                q + "_c2", ch, kern(k, 2), one, pads(k / 2, 0), bias, sp + "/channels");
            b.add_relu(r);
            b.end_layer();
        }
        b.max_pool(2);
        if (two_d)
            b.squeeze_rows();
    }
    b.flatten();
    b.linear("fc1", spec_int(s, "hidden"));
    // The authors' head has no activation between its two linear layers.
    if (spec_bool(s, "head_relu", true))
        b.relu();
    b.dropout(spec_double(s, "dropout", 0.0));
}

} // namespace model
} // namespace amrcompress
} // namespace gr
