/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "gen_preset.h"
#include <gnuradio/amrcompress/dataset.h>
#include <gnuradio/amrcompress/error.h>

namespace amr {

gr::amrcompress::generator_config generator_preset(const std::string& name)
{
    gr::amrcompress::generator_config cfg; // RML2016.10a's shape
    if (name.empty() || name == "rml2016")
        return cfg;
    if (name != "rml2018")
        throw gr::amrcompress::input_error("unknown preset '" + name +
                                           "' (rml2016, rml2018)");
    cfg.classes = gr::amrcompress::rml2018_classes();
    cfg.frame_length = 1024;
    cfg.frames_per_cell = 4096;
    cfg.snrs_db.clear();
    for (int s = -20; s <= 30; s += 2)
        cfg.snrs_db.push_back(s);
    cfg.window_gap = 0.1;
    return cfg;
}

} // namespace amr
