/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target: gr::amrcompress::dataset_reader (lib/dataset/
 * dataset_reader.cc) on an HDF5 file holding the input bytes: open it, read
 * every frame (for_each_block), and read a few frames by index in reverse
 * order (read_indices, the other read path).
 *
 * Built twice when lib/dataset/hdf5_guard.cc exists:
 *   fuzz_dataset_reader            the guard as shipped (a forked child
 *                                  opens and walks the file first);
 *   fuzz_dataset_reader_unguarded  AMR_FUZZ_UNGUARDED: the guard turned off
 *                                  (h5::set_subprocess_checks(false)), so
 *                                  libhdf5's own crashes show. Measurement
 *                                  only: libhdf5 is not hardened.
 */
#include "fuzz_common.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <H5Cpp.h>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#if defined(AMR_FUZZ_HAVE_GUARD)
#include "dataset/hdf5_guard.h"
#endif

using namespace gr::amrcompress;

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
#if defined(AMR_FUZZ_HAVE_GUARD)
    // An input libhdf5 loops on must end well inside libFuzzer's -timeout=10.
    gr::amrcompress::h5::set_check_timeout(std::chrono::milliseconds(5000));
#endif
#if defined(AMR_FUZZ_UNGUARDED)
#if !defined(AMR_FUZZ_HAVE_GUARD)
#error "AMR_FUZZ_UNGUARDED needs lib/dataset/hdf5_guard.h"
#endif
    gr::amrcompress::h5::set_subprocess_checks(false);
#endif
    return 0;
}

namespace {
volatile double sink;
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string path = amr_fuzz::write_scratch("in.h5", data, size);
    try {
        amr_fuzz::expect_input_error_only("dataset_reader", [&] {
            dataset_reader r(path);
            const size_t n = r.size();
            double acc = double(r.info().classes.size()) + double(r.info().frame_length);
            size_t seen = 0;
            r.for_each_block({}, 64, [&](const frame_block& b, size_t first) {
                if (first != seen || b.iq.size() != b.size() * b.frame_length * 2) {
                    std::fprintf(
                        stderr, "==amr_fuzz== inconsistent block at %zu\n", first);
                    std::abort();
                }
                seen += b.size();
                for (size_t i = 0; i < b.size(); i++)
                    acc += b.labels[i] + b.snr_db[i];
            });
            if (seen != n) {
                std::fprintf(stderr, "==amr_fuzz== read %zu of %zu frames\n", seen, n);
                std::abort();
            }
            if (n) {
                std::vector<size_t> idx{ n - 1, n / 2, 0, n - 1 };
                frame_block b = r.read_indices(idx);
                if (b.size() != idx.size())
                    std::abort();
                for (float v : b.iq)
                    acc += v;
            }
            sink = acc;
        });
    } catch (const H5::Exception& e) {
        amr_fuzz::unexpected("dataset_reader", "H5::Exception", e.getDetailMsg().c_str());
    }
    return 0;
}
