/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * LSTM (Rajendran et al. 2018): a recurrent stack over the frame's samples
 * as amplitude and phase/pi ("ap") or raw I/Q ("iq"); the last step's
 * hidden state is the embedding. No native kernel: LibTorch runs it.
 */
#include "../graph_builder.h"
#include "../model_specs.h"

namespace gr {
namespace amrcompress {
namespace model {

void graph_lstm(graph_builder& b, const nlohmann::json& s, size_t)
{
    const std::string input = s.value("input", "ap");
    if (input != "ap" && input != "iq")
        bad_spec("lstm 'input' must be 'ap' or 'iq'");
    b.lstm(spec_int(s, "hidden"), spec_int(s, "layers"), input);
}

} // namespace model
} // namespace amrcompress
} // namespace gr
