/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * CNN2D (O'Shea, Corgan and Clancy 2016, "CNN2"): 2-D convolutions over the
 * I/Q plane [B, 1, 2, L], each with a bias, a ReLU and dropout; flatten, a
 * dense layer with ReLU and dropout.
 */
#include "../graph_builder.h"
#include "../model_specs.h"

namespace gr {
namespace amrcompress {
namespace model {

void graph_cnn2d(graph_builder& b, const nlohmann::json& s, size_t)
{
    if (!s.contains("convs") || !s["convs"].is_array() || s["convs"].empty())
        bad_spec("cnn2d needs a non-empty 'convs' list");
    const double drop = spec_double(s, "dropout", 0.0);
    b.unsqueeze();
    for (size_t i = 0; i < s["convs"].size(); i++) {
        const nlohmann::json& c = s["convs"][i];
        const auto k = spec_int_list(c, "kernel");
        if (k.size() != 2)
            bad_spec("cnn2d kernel must be [h, w]");
        std::vector<int64_t> pad = { 0, 0 };
        if (c.contains("pad")) {
            if (!c["pad"].is_array() || c["pad"].size() != 2 ||
                !c["pad"][0].is_number_integer() || !c["pad"][1].is_number_integer())
                bad_spec("cnn2d pad must be [h, w] >= 0");
            pad = { c["pad"][0].get<int64_t>(), c["pad"][1].get<int64_t>() };
            if (pad[0] < 0 || pad[1] < 0 || pad[0] > 64 || pad[1] > 64)
                bad_spec("cnn2d pad must be [h, w] between 0 and 64");
        }
        const std::string n = "c" + std::to_string(i);
        b.begin_layer(n);
        b.conv(n,
               spec_int(c, "channels"),
               { k[0], k[1] },
               { 1, 1 },
               pad,
               true,
               "/convs/" + std::to_string(i) + "/channels");
        b.relu();
        b.dropout(drop);
        b.end_layer();
    }
    b.flatten();
    b.linear("fc1", spec_int(s, "hidden"));
    b.relu();
    b.dropout(drop);
}

} // namespace model
} // namespace amrcompress
} // namespace gr
