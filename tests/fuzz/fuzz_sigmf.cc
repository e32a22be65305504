/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target: the SigMF -> dataset converter (lib/convert/sigmf.cc,
 * sigmf_to_dataset) through scratch files.
 *
 * Input format: <meta JSON> NUL <data bytes>. Valid JSON never holds a raw
 * NUL, so the first NUL splits the input into base.sigmf-meta and
 * base.sigmf-data. An input without a NUL is all meta and has no data file.
 * When the conversion succeeds, the dataset it wrote is read back whole and
 * converted back to SigMF (dataset_to_sigmf).
 */
#include "fuzz_common.h"
#include <gnuradio/amrcompress/convert.h>
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <H5Cpp.h>
#include <cstdint>
#include <cstring>
#include <string>

using namespace gr::amrcompress;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const uint8_t* nul = static_cast<const uint8_t*>(std::memchr(data, 0, size));
    const size_t meta_size = nul ? size_t(nul - data) : size;

    const std::string base = amr_fuzz::scratch_path("rec");
    amr_fuzz::write_scratch("rec.sigmf-meta", data, meta_size);
    const std::string data_path = base + ".sigmf-data";
    if (nul)
        amr_fuzz::write_scratch("rec.sigmf-data", nul + 1, size - meta_size - 1);
    else
        std::remove(data_path.c_str());
    const std::string out = amr_fuzz::scratch_path("out.h5");
    std::remove(out.c_str());

    bool converted = amr_fuzz::expect_input_error_only(
        "sigmf_to_dataset", [&] { sigmf_to_dataset(base + ".sigmf-meta", out, true); });
    if (!converted)
        return 0;
    try {
        dataset_reader r(out);
        size_t n = 0;
        r.for_each_block({}, 256, [&](const frame_block& b, size_t) { n += b.size(); });
        if (n != r.size()) {
            std::fprintf(
                stderr, "==amr_fuzz== read back %zu of %zu frames\n", n, r.size());
            std::abort();
        }
        dataset_to_sigmf(r, amr_fuzz::scratch_path("back"), true);
    } catch (const std::exception& e) {
        amr_fuzz::unexpected("reading back / re-exporting the converted dataset",
                             typeid(e).name(),
                             e.what());
    } catch (const H5::Exception& e) {
        amr_fuzz::unexpected("reading back / re-exporting the converted dataset",
                             "H5::Exception",
                             e.getDetailMsg().c_str());
    }
    return 0;
}
