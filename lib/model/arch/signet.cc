/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SigNet (Chen et al., IEEE TCCN 2021) as the FCOS authors define SigNet50
 * (their public model_signal/signet.py): the learnable S2M front end turns
 * a frame [2, L] into two L x L matrices (lib/model/torch_model.cc has the
 * formula), then a ResNet50 body: a 7x7 stride-2 stem with BatchNorm, ReLU
 * and a 3x3 stride-2 max pool, stages of bottleneck blocks (1x1, 3x3 with
 * the stage's stride, 1x1 to the stage's width, each with BatchNorm),
 * projection shortcuts (1x1 conv + BatchNorm) where the shape changes,
 * global average pooling. Each block lists its two inner widths. Their
 * classifier is a 1x1 conv with a bias over the pooled features: the same
 * map as our linear head. docs/models.md.
 */
#include "../graph_builder.h"
#include "../model_specs.h"

namespace gr {
namespace amrcompress {
namespace model {

void graph_signet(graph_builder& b, const nlohmann::json& s, size_t)
{
    const int stem = spec_int(s, "stem");
    if (!s.contains("stages") || !s["stages"].is_array() || s["stages"].empty())
        bad_spec("signet needs a non-empty 'stages' list");
    b.s2m("s2m", spec_int(s, "s2m"));
    b.begin_layer("stem");
    b.conv("stem", stem, { 7, 7 }, { 2, 2 }, { 3, 3 }, false, "/stem");
    b.batch_norm("stem_bn");
    b.relu();
    b.max_pool(3, 2, 1);
    b.end_layer();
    for (size_t si = 0; si < s["stages"].size(); si++) {
        const nlohmann::json& st = s["stages"][si];
        const std::string sp = "/stages/" + std::to_string(si);
        const int ch = spec_int(st, "channels"), stride = spec_int(st, "stride");
        if (stride > 2)
            bad_spec("signet stage stride must be 1 or 2");
        if (!st.contains("blocks") || !st["blocks"].is_array() || st["blocks"].empty())
            bad_spec("every signet stage needs a list of blocks");
        for (size_t bi = 0; bi < st["blocks"].size(); bi++) {
            const auto w = spec_int_list(st["blocks"][bi], nullptr);
            if (w.size() != 2)
                bad_spec("a signet block lists its two inner widths, [w1, w2]");
            const std::string p = "l" + std::to_string(si) + "_b" + std::to_string(bi);
            const std::string bp = sp + "/blocks/" + std::to_string(bi);
            const int64_t sb = bi == 0 ? stride : 1;
            b.begin_layer(p, sp + "/blocks", bi);
            const std::string x = b.cur;
            const act_shape xs = b.shape;
            std::string sc = x;
            if (sb != 1 || xs[0] != ch) { // projection shortcut, emitted first
                b.conv(p + "_down",
                       ch,
                       { 1, 1 },
                       { sb, sb },
                       { 0, 0 },
                       false,
                       sp + "/channels");
                b.batch_norm(p + "_down_bn");
                sc = b.cur;
                b.cur = x;
                b.shape = xs;
            }
            b.conv(p + "_c1", w[0], { 1, 1 }, { 1, 1 }, { 0, 0 }, false, bp + "/0");
            b.batch_norm(p + "_bn1");
            b.relu();
            b.tap(p + ".inner1");
            b.conv(p + "_c2", w[1], { 3, 3 }, { sb, sb }, { 1, 1 }, false, bp + "/1");
            b.batch_norm(p + "_bn2");
            b.relu();
            b.tap(p + ".inner2");
            b.conv(p + "_c3", ch, { 1, 1 }, { 1, 1 }, { 0, 0 }, false, sp + "/channels");
            b.batch_norm(p + "_bn3");
            b.add_relu(sc); // refuses a shortcut of another shape
            b.end_layer();
        }
    }
    b.global_avg();
}

} // namespace model
} // namespace amrcompress
} // namespace gr
