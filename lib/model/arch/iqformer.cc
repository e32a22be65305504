/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * IQFormer (Shao et al., IEEE TCCN 2024) as its authors' public code defines
 * it for RML2016.10a (WestdoorSad/IQFormer, model/IQFormer.py and main.py:
 * read, not copied), with its input STFT moved into the model so that the
 * contract stays [B, 2, L]:
 *  - two stems: the STFT of the I row (BatchNorm, a (bins x 1) conv, BN,
 *    ReLU) and the frame (BatchNorm, a grouped k5 conv, BN), concatenated;
 *  - a fusion: 1x1 conv, BN, GELU, 1x1 conv to dim/2, dropout;
 *  - a two-layer bidirectional LSTM making dim-wide tokens;
 *  - stages of blocks: conv encoders (depthwise k3 conv, BN, 1x1 conv to
 *    `hidden`, GELU, 1x1 conv back, a learnable per-channel scale, plus the
 *    block's input) and attention encoders (the same local representation
 *    with `local` inner channels, then efficient additive attention and a
 *    BN-conv-GELU-conv feed-forward of `hidden`, each added to its input);
 *  - BatchNorm, global average pooling.
 * Every guess and difference is in docs/models.md.
 */
#include "../graph_builder.h"
#include "../model_specs.h"

namespace gr {
namespace amrcompress {
namespace model {

namespace {

//! dw conv, BN, 1x1 conv to `inner`, GELU, 1x1 conv back, scale, + input.
void local_unit(graph_builder& b,
                const std::string& p,
                int dim,
                int inner,
                const std::string& inner_pointer,
                const std::string& tap)
{
    const std::string r = b.cur;
    b.conv(p + "_dw", dim, { 3 }, { 1 }, { 1 }, true, "", dim);
    b.batch_norm(p + "_bn");
    b.conv(p + "_pw1", inner, { 1 }, { 1 }, { 0 }, true, inner_pointer);
    b.gelu();
    b.tap(tap);
    b.conv(p + "_pw2", dim, { 1 }, { 1 }, { 0 }, true, "");
    b.channel_scale(p + "_scale");
    b.add(r);
}

} // namespace

void graph_iqformer(graph_builder& b, const nlohmann::json& s, size_t)
{
    const int dim = spec_int(s, "dim", 2), stem = spec_int(s, "stem");
    const int fusion = spec_int(s, "fusion"), layers = spec_int(s, "lstm_layers");
    const double drop = spec_double(s, "dropout", 0.0);
    if (dim % 2 != 0)
        bad_spec("iqformer 'dim' must be even (a bidirectional LSTM makes the tokens)");
    if (!s.contains("stft") || !s["stft"].is_object())
        bad_spec("iqformer needs an 'stft' object (window, nfft, bins)");
    if (!s.contains("stages") || !s["stages"].is_array() || s["stages"].empty())
        bad_spec("iqformer needs a non-empty 'stages' list");
    const nlohmann::json& st = s["stft"];
    const int bins = spec_int(st, "bins");

    const std::string frame = b.cur;
    b.begin_layer("stem");
    b.stft(spec_int(st, "window"), spec_int(st, "nfft"), bins);
    b.tap("stft");
    b.batch_norm("stft_bn");
    b.conv("stem_stft", stem, { bins, 1 }, { 1, 1 }, { 0, 0 }, true, "/stem");
    b.batch_norm("stem_stft_bn");
    b.relu();
    b.squeeze_rows();
    const std::string spectral = b.cur;
    b.cur = frame;
    b.shape = b.g.shape_of(frame);
    b.batch_norm("input_bn");
    b.conv("stem_iq", stem, { 5 }, { 1 }, { 2 }, true, "/stem", 2);
    b.batch_norm("stem_iq_bn");
    b.concat(spectral);
    b.conv("fusion_c1", fusion, { 1 }, { 1 }, { 0 }, true, "/fusion");
    b.batch_norm("fusion_bn");
    b.gelu();
    b.tap("fusion.inner");
    b.conv("fusion_c2", dim / 2, { 1 }, { 1 }, { 0 }, true, "");
    b.dropout(drop);
    b.end_layer();

    b.begin_layer("lstm");
    b.lstm(dim / 2, layers, "seq", "lstm", true, drop);
    b.end_layer();

    for (size_t si = 0; si < s["stages"].size(); si++) {
        const nlohmann::json& stage = s["stages"][si];
        const std::string sp = "/stages/" + std::to_string(si) + "/blocks";
        if (!stage.contains("blocks") || !stage["blocks"].is_array() ||
            stage["blocks"].empty())
            bad_spec("every iqformer stage needs a list of blocks");
        for (size_t bi = 0; bi < stage["blocks"].size(); bi++) {
            const nlohmann::json& blk = stage["blocks"][bi];
            const std::string p = "l" + std::to_string(si) + "_b" + std::to_string(bi);
            const std::string bp = sp + "/" + std::to_string(bi);
            const int hidden = spec_int(blk, "hidden");
            b.begin_layer(p, sp, bi);
            if (!spec_bool(blk, "attention", false)) {
                local_unit(b, p, dim, hidden, bp + "/hidden", p + ".inner");
            } else {
                local_unit(b,
                           p + "_local",
                           dim,
                           spec_int(blk, "local"),
                           bp + "/local",
                           p + ".local");
                const std::string r = b.cur;
                b.additive_attention(p + "_attn", dim);
                b.add(r);
                const std::string r2 = b.cur;
                b.batch_norm(p + "_ffn_bn");
                b.conv(p + "_fc1", hidden, { 1 }, { 1 }, { 0 }, true, bp + "/hidden");
                b.gelu();
                b.tap(p + ".inner");
                b.dropout(drop);
                b.conv(p + "_fc2", dim, { 1 }, { 1 }, { 0 }, true, "");
                b.dropout(drop);
                b.add(r2);
            }
            b.end_layer();
        }
    }
    b.batch_norm("norm");
    b.global_avg();
}

} // namespace model
} // namespace amrcompress
} // namespace gr
