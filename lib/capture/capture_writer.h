/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * dataset_sink's file side, without a flowgraph: a bounded queue of frames
 * and a thread that writes, flushes and rotates dataset files. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_CAPTURE_WRITER_H
#define INCLUDED_AMRCOMPRESS_CAPTURE_WRITER_H

#include <gnuradio/amrcompress/api.h>
#include <gnuradio/amrcompress/dataset.h>
#include <gnuradio/gr_complex.h>
#include <condition_variable>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace gr {
namespace amrcompress {
class dataset_writer;
class frame_normaliser;
namespace capture {

class snr_estimator;

//! What the stream side knows of a frame.
struct frame_meta {
    int32_t label = 0;
    double snr_db = 0;         //!< ignored when estimate_snr
    bool estimate_snr = false; //!< no SNR given: the writer thread estimates it
    double time = 0;           //!< capture_time (s)
    int64_t id = 0;            //!< capture_id: stream offset of the first sample
    double center_freq = 0;    //!< Hz, 0 if unknown
};

struct writer_settings {
    std::string path;
    dataset_info info; //!< classes, L, rates, source, description, capture JSON
    std::string if_exists = "append"; //!< without rotation: append | fail | overwrite
    size_t max_frames_per_file = 0;   //!< 0: no limit
    uint64_t max_bytes_per_file = 0;  //!< 0: no limit (counts the frames' bytes)
    bool rotate = false;  //!< at a limit: next file (else the capture is full)
    size_t max_files = 0; //!< with rotate: files this capture writes at most (0: any)
    size_t flush_frames = 256;  //!< flush after this many frames (0: by time only)
    double flush_seconds = 1.0; //!< and at most this long after a frame arrived
    size_t queue_frames = 4096; //!< frames waiting for the writer thread, at most
    bool backpressure = false;  //!< full queue: wait (true) or drop and count (false)
    std::string normalisation = "none"; //!< l1 | power | none, applied before writing
};

struct writer_counts {
    uint64_t queued = 0;    //!< frames accepted by push()
    uint64_t written = 0;   //!< frames appended to files
    uint64_t flushed = 0;   //!< frames on disk as of the last flush
    uint64_t dropped = 0;   //!< queue full (no backpressure)
    uint64_t rejected = 0;  //!< arrived after the capture was full, failed or stopped
    uint64_t nonfinite = 0; //!< NaN/Inf samples: not written
    uint64_t lost = 0;      //!< queued but not on disk because a write or flush failed
    uint64_t flushes = 0;
    size_t queue_high = 0;    //!< most frames waiting at once
    double write_seconds = 0; //!< time the writer thread spent writing and flushing
};

class AMRCOMPRESS_API capture_writer
{
public:
    enum class state { running, full, failed, stopped };

    //! Opens (or creates) the first file; throws input_error when it cannot.
    explicit capture_writer(const writer_settings& s);
    ~capture_writer(); //!< stop()
    capture_writer(const capture_writer&) = delete;
    capture_writer& operator=(const capture_writer&) = delete;

    /*!
     * Queues a copy of one frame of L samples. False when it was not queued:
     * the queue was full (counted as dropped) or the writer no longer runs
     * (counted as rejected; see status()).
     */
    bool push(const gr_complex* frame, const frame_meta& meta);

    //! The label of a class name: its index, or -1 when unknown and not extending.
    int label_of(const std::string& name, bool extend);
    std::vector<std::string> classes() const;
    //! The receiver's sample rate and centre frequency, for the files' attributes.
    void set_radio(double sample_rate, double center_freq);

    state status() const;
    std::string error() const; //!< why the writer failed (empty otherwise)
    std::vector<std::string> files() const;
    writer_counts counts() const;

    //! Writes everything queued, flushes and closes. Never throws: see error().
    void stop();

private:
    using clock = std::chrono::steady_clock;
    struct batch {
        std::vector<float> iq; // [frame][sample][I, Q]: becomes the frame_block as is
        std::vector<frame_meta> meta;
    };

    void run();
    void write_batch(batch& b);
    frame_block prepare(batch& b); // SNR estimates, normalisation, NaN filter
    void open_file();              // the one path, or the next numbered file
    std::string next_rotated_path();
    size_t capacity_for(size_t classes) const; // frames per file
    bool next_file(bool for_new_class);        // false: the capture is full
    void set_state(state s, const std::string& error = "");

    writer_settings d_s;
    size_t d_L;
    mutable std::mutex d_mutex;
    std::condition_variable d_work, d_space;
    batch d_pending;
    clock::time_point d_oldest;
    state d_state = state::running;
    bool d_stopping = false;
    std::string d_error;
    std::vector<std::string> d_classes;
    std::vector<std::string> d_files;
    writer_counts d_counts;
    size_t d_next_index = 0; // rotation file number
    double d_rate, d_freq;   // latest radio attributes (under d_mutex)

    // Writer thread only.
    std::unique_ptr<dataset_writer> d_file;
    std::unique_ptr<snr_estimator> d_snr;
    std::unique_ptr<frame_normaliser> d_norm;
    std::thread d_thread;
};

} // namespace capture
} // namespace amrcompress
} // namespace gr

#endif
