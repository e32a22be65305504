/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target: parse_model_meta (lib/model/model_meta.cc), the text of
 * a model file's amr_meta.json. What parses is checked with check_fits and
 * must survive a round trip through model_info::to_json (lib/model/
 * model_specs.cc): to_json of a parsed model_info parses again to the same
 * classes, frame length and normalisation.
 */
#include "fuzz_common.h"
#include "model/model_meta.h"
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/model.h>
#include <cstdint>
#include <string>

using namespace gr::amrcompress;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    model_info info;
    bool ok = amr_fuzz::expect_input_error_only(
        "parse_model_meta", [&] { info = parse_model_meta(text, "fuzz/amr_meta.json"); });
    if (!ok)
        return 0;
    amr_fuzz::expect_input_error_only("model::check_fits", [&] {
        model::check_fits(info, info.classes, info.frame_length, "fuzz");
    });
    amr_fuzz::expect_input_error_only("model::check_fits(other)", [&] {
        model::check_fits(info, { "BPSK", "QPSK" }, 128, "fuzz");
    });
    std::string again;
    bool dumped = amr_fuzz::expect_input_error_only("model_info::to_json",
                                                    [&] { again = info.to_json(); });
    if (!dumped)
        return 0;
    model_info back;
    bool reparsed = amr_fuzz::expect_input_error_only("parse_model_meta(to_json)", [&] {
        back = parse_model_meta(again, "fuzz/round-trip");
    });
    if (!reparsed || back.classes != info.classes ||
        back.frame_length != info.frame_length ||
        back.normalisation != info.normalisation || back.arch != info.arch) {
        std::fprintf(stderr,
                     "==amr_fuzz== model_info::to_json does not round-trip: %s\n",
                     again.c_str());
        std::abort();
    }
    return 0;
}
