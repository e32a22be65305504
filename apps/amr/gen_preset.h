/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The generator's named presets, shared by `amr gen --preset` and the
 * benchmarks that generate their own data.
 */
#ifndef INCLUDED_AMR_GEN_PRESET_H
#define INCLUDED_AMR_GEN_PRESET_H

#include <gnuradio/amrcompress/generator.h>
#include <string>

namespace amr {

/*!
 * The generator's settings for a dataset's shape:
 * - "rml2016" (or ""): RML2016.10a, 11 classes, 128-sample frames, SNR
 *   -20..18 dB step 2, 1,000 frames per cell, windows 1..3 L apart;
 * - "rml2018": RML2018.01a, its 24 classes in its data order, 1,024-sample
 *   frames, SNR -20..30 dB step 2, 4,096 frames per cell, windows nearly
 *   back to back (strides L..1.1 L, random, so frames start at every symbol
 *   phase; with 1,024-sample frames the burst, and so the channel model's
 *   time, grows with the stride: RML2016's 1..3 L would make the full set
 *   take ~55 min here).
 * Throws input_error for another name.
 */
gr::amrcompress::generator_config generator_preset(const std::string& name);

} // namespace amr

#endif
