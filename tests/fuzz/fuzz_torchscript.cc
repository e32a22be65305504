/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target: read_torchscript (lib/deploy/torchscript_archive.cc:
 * libzip + the torchscript pickle dialect) on a scratch file holding the
 * input, then parse_model_meta on its amr_meta.json if it has one (what
 * read_model_info does, without its catch-all that would turn any exception
 * into input_error).
 */
#include "deploy/torchscript_archive.h"
#include "fuzz_common.h"
#include "model/model_meta.h"
#include <gnuradio/amrcompress/error.h>
#include <cstdint>
#include <string>

using namespace gr::amrcompress;

namespace {
volatile double sink;
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string path = amr_fuzz::write_scratch("model.pt", data, size);
    deploy::torchscript_contents c;
    bool ok = amr_fuzz::expect_input_error_only(
        "read_torchscript", [&] { c = deploy::read_torchscript(path); });
    if (!ok)
        return 0;
    double acc = 0;
    for (const auto& [name, t] : c.tensors) {
        size_t numel = 1;
        for (int64_t d : t.shape)
            numel *= size_t(d);
        if (numel != t.data.size()) {
            std::fprintf(stderr,
                         "==amr_fuzz== tensor %s: shape has %zu elements, data %zu\n",
                         name.c_str(),
                         numel,
                         t.data.size());
            std::abort();
        }
        for (float v : t.data)
            acc += v;
    }
    sink = acc;
    auto it = c.extra.find(MODEL_META_FILE);
    if (it != c.extra.end())
        amr_fuzz::expect_input_error_only("parse_model_meta(archive)", [&] {
            (void)parse_model_meta(it->second, path);
        });
    return 0;
}
