/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * CIFAR-style ResNet on the I/Q plane [B, 1, 2, L] (He et al. 2016, as the
 * FCOS authors' ResNet56): a 3x3 stem with BatchNorm, stages of BasicBlocks
 * (conv-BN-ReLU-conv-BN plus the block's input), global average pooling.
 * Shortcuts are parameter-free (option A): subsample, then zero-pad or cut
 * channels to the block's width. Each block lists its inner width.
 */
#include "../graph_builder.h"
#include "../model_specs.h"

namespace gr {
namespace amrcompress {
namespace model {

void graph_resnet(graph_builder& b, const nlohmann::json& s, size_t)
{
    const int stem = spec_int(s, "stem");
    if (!s.contains("stages") || !s["stages"].is_array() || s["stages"].empty())
        bad_spec("resnet needs a non-empty 'stages' list");
    b.unsqueeze();
    b.begin_layer("stem");
    b.conv("stem", stem, { 3, 3 }, { 1, 1 }, { 1, 1 }, false, "/stem");
    b.batch_norm("stem_bn");
    b.relu();
    b.end_layer();
    for (size_t si = 0; si < s["stages"].size(); si++) {
        const nlohmann::json& st = s["stages"][si];
        const std::string sp = "/stages/" + std::to_string(si);
        const int ch = spec_int(st, "channels"), stride = spec_int(st, "stride");
        if (stride > 2)
            bad_spec("resnet stage stride must be 1 or 2");
        const auto blocks = spec_int_list(st, "blocks");
        if (blocks.empty())
            bad_spec("every resnet stage needs at least one block");
        for (size_t bi = 0; bi < blocks.size(); bi++) {
            const std::string p = "l" + std::to_string(si) + "_b" + std::to_string(bi);
            const int64_t sb = bi == 0 ? stride : 1;
            b.begin_layer(p, sp + "/blocks", bi);
            // The shortcut first (it reads only the block's input), so that
            // the sum follows the last conv.
            const std::string x = b.cur;
            const act_shape xs = b.shape;
            if (sb != 1)
                b.subsample(sb);
            if (ch != xs[0])
                b.pad_channels(ch);
            const std::string sc = b.cur;
            b.cur = x;
            b.shape = xs;
            b.conv(p + "_c1",
                   blocks[bi],
                   { 3, 3 },
                   { sb, sb },
                   { 1, 1 },
                   false,
                   sp + "/blocks/" + std::to_string(bi));
            b.batch_norm(p + "_bn1");
            b.relu();
            b.tap(p + ".inner");
            b.conv(p + "_c2", ch, { 3, 3 }, { 1, 1 }, { 1, 1 }, false, sp + "/channels");
            b.batch_norm(p + "_bn2");
            b.add_relu(sc); // refuses a shortcut of another shape
            b.end_layer();
        }
    }
    b.global_avg();
}

} // namespace model
} // namespace amrcompress
} // namespace gr
