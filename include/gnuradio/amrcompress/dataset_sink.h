/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_DATASET_SINK_H
#define INCLUDED_AMRCOMPRESS_DATASET_SINK_H

#include <gnuradio/amrcompress/api.h>
#include <gnuradio/sync_block.h>
#include <cmath>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {

/*!
 * \brief Captures a live complex stream into a labelled dataset file.
 * \ingroup amrcompress
 *
 * Cuts the stream into frames of `frame_length` samples every `hop` samples
 * (0: back to back) and writes them, with a class label, an SNR and radio
 * metadata, into a dataset file (HDF5, the project's format; h5py reads it).
 *
 * **Labels** (precedence per frame): an `amr_label` stream tag (with
 * `amr_snr`) in force at the frame's first sample, else the last message on
 * the `label` port (symbol, or dict with `label` and optional `snr`), else
 * the `label` parameter (settable at run time). An empty label releases its
 * level. Frames without any label, and frames inside which the tagged label
 * changes, are not written (counted). A label outside the class list is
 * refused (logged, frame not written) unless `extend_classes`.
 *
 * **SNR**: the label's source gives it (`amr_snr` tag, the message's `snr`,
 * the `snr_db` parameter); when it gives none (NaN), the frame's SNR is
 * estimated from its spectrum and flagged in `snr_estimated`.
 *
 * **Gate and thinning**: `gate_db` > 0 keeps only frames whose power is that
 * many dB above the noise floor (the minimum frame power over the last
 * `floor_frames` frames); `keep_one_in` = k keeps every k-th frame that
 * passes the gate.
 *
 * **Radio metadata**: `rx_time` (with `rx_rate` or `sample_rate`) gives each
 * frame's capture_time (else the host clock), `rx_freq` its center_freq (else
 * the `center_freq` parameter); capture_id is the stream offset of its first
 * sample. The file's sample_rate and center_freq attributes follow the tags.
 *
 * **Files and limits**: `max_frames` / `max_megabytes` per file (default:
 * 2^20 frames; a file is sparse, its apparent size is that capacity); with
 * `rotate` the capture goes on in path_0000.h5, path_0001.h5, ... (never
 * touching files already there; at most `max_files`), else the capture ends
 * (the block returns done) at the limit. `class_quota` > 0 caps the frames per
 * class; when every class has its quota (and classes may not be added) the
 * capture ends. `if_exists` (without rotation): append (default), fail,
 * overwrite.
 *
 * **No data loss**: a writer thread writes and flushes at least every
 * `flush_frames` frames or `flush_seconds` seconds; after a kill at any
 * moment the file opens and holds every frame flushed before it (each flush
 * after the first is one write; until its first flush the file is
 * PATH.part). Frames of a class the file lacks, once it holds frames, go to
 * the next numbered file. Frames wait in a queue of
 * `queue_frames`; when it is full, frames are dropped and counted (the radio
 * is never stalled) unless `backpressure`. A write error (disk full) is
 * logged, the file keeps every frame flushed before it, and the block ends.
 */
class AMRCOMPRESS_API dataset_sink : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<dataset_sink> sptr;

    //! Throws input_error for bad parameters or a file that cannot be written.
    static sptr make(const std::string& path,
                     const std::vector<std::string>& classes,
                     int frame_length = 128,
                     int hop = 0,
                     const std::string& label = "",
                     double snr_db = NAN,
                     bool extend_classes = false,
                     double gate_db = 0,
                     int floor_frames = 1000,
                     int keep_one_in = 1,
                     int max_frames = 0,
                     double max_megabytes = 0,
                     bool rotate = false,
                     int max_files = 0,
                     int class_quota = 0,
                     int flush_frames = 256,
                     double flush_seconds = 1.0,
                     const std::string& if_exists = "append",
                     double sample_rate = 0,
                     double center_freq = 0,
                     const std::string& normalisation = "none",
                     int queue_frames = 4096,
                     bool backpressure = false,
                     const std::string& description = "");

    //! The label parameter (the lowest-precedence source); "" for none.
    virtual void set_label(const std::string& label) = 0;
    virtual std::string label() const = 0;
    //! SNR (dB) given with the label parameter; NaN: estimate it.
    virtual void set_snr(double snr_db) = 0;

    virtual uint64_t frames_written() const = 0;
    virtual uint64_t frames_flushed() const = 0; //!< on disk, safe from a kill
    virtual uint64_t frames_dropped() const = 0; //!< queue full
    virtual std::vector<std::string> files() const = 0;
    virtual std::vector<std::string> classes() const = 0;
    virtual std::string error() const = 0; //!< why writing stopped, if it failed
    //! Every counter as JSON (frames seen, gated, thinned, unlabelled, ...).
    virtual std::string stats() const = 0;
};

} // namespace amrcompress
} // namespace gr

#endif
