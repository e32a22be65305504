/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_DATASET_SOURCE_H
#define INCLUDED_AMRCOMPRESS_DATASET_SOURCE_H

#include <gnuradio/amrcompress/api.h>
#include <gnuradio/sync_block.h>
#include <string>

namespace gr {
namespace amrcompress {

/*!
 * \brief Replays a dataset file as a complex stream, frame after frame.
 * \ingroup amrcompress
 *
 * Every frame's first sample carries the tags `amr_frame` (u64: the frame's
 * index in the dataset), `amr_label` (symbol: its class name) and `amr_snr`
 * (double, dB); the first sample also carries `amr_frame_length` (long) and
 * `rx_rate` (double, the dataset's sample rate). Without `repeat`, the last
 * sample carries `amr_eos` (PMT_T) and the stream ends; with it, the frames
 * loop forever. `sample_rate` > 0 throttles the output to that many samples
 * per second (as blocks.throttle does); 0 runs as fast as the flowgraph takes.
 * `index_file` (one dataset index per line, as amr select / amr subset
 * write) replays only those frames, in that order; empty: all frames.
 */
class AMRCOMPRESS_API dataset_source : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<dataset_source> sptr;

    //! Throws input_error for unreadable datasets or index files.
    static sptr make(const std::string& path,
                     const std::string& index_file = "",
                     bool repeat = false,
                     double sample_rate = 0);

    virtual size_t frames() const = 0; //!< frames per pass
    virtual int frame_length() const = 0;
    virtual uint64_t frames_sent() const = 0;
};

} // namespace amrcompress
} // namespace gr

#endif
