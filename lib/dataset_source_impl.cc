/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "dataset_source_impl.h"
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/selection.h>
#include <gnuradio/io_signature.h>
#include <algorithm>
#include <numeric>
#include <thread>

namespace gr {
namespace amrcompress {

namespace {
constexpr size_t BLOCK_FRAMES = 256; // frames read from the file at a time
}

dataset_source::sptr dataset_source::make(const std::string& path,
                                          const std::string& index_file,
                                          bool repeat,
                                          double sample_rate)
{
    return gnuradio::make_block_sptr<dataset_source_impl>(
        path, index_file, repeat, sample_rate);
}

dataset_source_impl::dataset_source_impl(const std::string& path,
                                         const std::string& index_file,
                                         bool repeat,
                                         double sample_rate)
    : gr::sync_block("dataset_source",
                     gr::io_signature::make(0, 0, 0),
                     gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_ds(std::make_unique<dataset_reader>(path)),
      d_repeat(repeat),
      d_rate(sample_rate)
{
    if (!(sample_rate >= 0))
        throw input_error("dataset_source: sample rate must be >= 0 (0: no throttle)");
    d_L = d_ds->info().frame_length;
    d_classes = d_ds->info().classes;
    if (index_file.empty()) {
        d_indices.resize(d_ds->size());
        std::iota(d_indices.begin(), d_indices.end(), 0);
    } else {
        d_indices = read_index_file(index_file, d_ds->size());
    }
    if (d_indices.empty())
        throw input_error(path, "nothing to replay (no frames selected)");
}

bool dataset_source_impl::start()
{
    d_t0 = std::chrono::steady_clock::now();
    return true;
}

void dataset_source_impl::load_block()
{
    d_block_first = d_pos;
    const size_t end = std::min(d_indices.size(), d_pos + BLOCK_FRAMES);
    d_block = d_ds->read_indices(
        std::vector<size_t>(d_indices.begin() + d_pos, d_indices.begin() + end));
}

int dataset_source_impl::work(int noutput_items,
                              gr_vector_const_void_star&,
                              gr_vector_void_star& output_items)
{
    auto* out = static_cast<gr_complex*>(output_items[0]);
    if (d_rate > 0) { // throttle: never ahead of sample_rate
        const double due =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - d_t0)
                .count() *
            d_rate;
        const double ahead = double(nitems_written(0)) - due;
        if (ahead > 0)
            std::this_thread::sleep_for(std::chrono::duration<double>(ahead / d_rate));
        noutput_items =
            std::min<int>(noutput_items, std::max<int>(1, int(d_rate * 0.01)));
    }
    int produced = 0;
    while (produced < noutput_items) {
        if (d_pos >= d_indices.size()) {
            if (!d_repeat)
                return produced > 0 ? produced : WORK_DONE;
            d_pos = 0;
            d_block.iq.clear();
            d_block.labels.clear();
        }
        if (d_block.size() == 0 || d_pos < d_block_first ||
            d_pos >= d_block_first + d_block.size())
            load_block();
        const size_t f = d_pos - d_block_first;
        const uint64_t at = nitems_written(0) + produced;
        if (d_sample == 0) {
            if (at == 0) {
                add_item_tag(
                    0, at, pmt::mp("amr_frame_length"), pmt::from_long(long(d_L)));
                add_item_tag(0,
                             at,
                             pmt::mp("rx_rate"),
                             pmt::from_double(d_ds->info().sample_rate));
            }
            add_item_tag(0, at, pmt::mp("amr_frame"), pmt::from_uint64(d_indices[d_pos]));
            const int32_t label = d_block.labels[f];
            add_item_tag(0,
                         at,
                         pmt::mp("amr_label"),
                         pmt::intern(label >= 0 && size_t(label) < d_classes.size()
                                         ? d_classes[label]
                                         : std::to_string(label)));
            add_item_tag(0, at, pmt::mp("amr_snr"), pmt::from_double(d_block.snr_db[f]));
        }
        const size_t n = std::min<size_t>(noutput_items - produced, d_L - d_sample);
        const float* src = d_block.frame(f) + 2 * d_sample; // [L, 2] = complex samples
        std::copy(reinterpret_cast<const gr_complex*>(src),
                  reinterpret_cast<const gr_complex*>(src) + n,
                  out + produced);
        produced += int(n);
        d_sample += n;
        if (d_sample == d_L) {
            d_sample = 0;
            d_pos++;
            d_sent++;
            if (d_pos == d_indices.size() && !d_repeat)
                add_item_tag(
                    0, nitems_written(0) + produced - 1, pmt::mp("amr_eos"), pmt::PMT_T);
        }
    }
    return produced;
}

} // namespace amrcompress
} // namespace gr
