/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "capture_writer.h"
#include "../deploy/frame_normaliser.h"
#include "snr_estimator.h"
#include <gnuradio/amrcompress/dataset_writer.h>
#include <gnuradio/amrcompress/error.h>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fcntl.h>
#include <regex>
#include <unistd.h>

namespace gr {
namespace amrcompress {
namespace capture {

namespace fs = std::filesystem;

namespace {

/*
 * HDF5 says only "unable to create file" for a missing directory or a
 * read-only one; the operating system says which. Probes the path the way
 * the writer will use it and leaves nothing behind.
 */
void check_writable(const std::string& path)
{
    const bool existed = fs::exists(path);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT, 0644);
    if (fd < 0)
        throw input_error(path, std::string("cannot write the capture file (") +
                                    std::strerror(errno) + ")");
    ::close(fd);
    if (!existed)
        ::unlink(path.c_str());
}

} // namespace

capture_writer::capture_writer(const writer_settings& s)
    : d_s(s), d_L(s.info.frame_length), d_rate(s.info.sample_rate), d_freq(s.info.center_freq)
{
    if (d_L == 0)
        throw input_error("capture: frame length must be positive");
    if (!(s.flush_seconds > 0) || !std::isfinite(s.flush_seconds))
        throw input_error("capture: flush interval must be a positive number of seconds");
    if (s.queue_frames == 0)
        throw input_error("capture: the queue must hold at least one frame");
    if (s.if_exists != "append" && s.if_exists != "fail" && s.if_exists != "overwrite")
        throw input_error("capture: if_exists must be append, fail or overwrite (not '" +
                          s.if_exists + "')");
    if (s.path.empty())
        throw input_error("capture: no file name given");
    d_norm = std::make_unique<frame_normaliser>(d_L, s.normalisation);
    d_snr = std::make_unique<snr_estimator>(d_L);
    d_classes = s.info.classes;
    if (s.rotate) {
        // Numbered files after those already there: a capture never touches old ones.
        const fs::path p(s.path);
        const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
        const std::regex re(std::regex_replace(p.stem().string(),
                                               std::regex(R"([.^$|()\[\]{}*+?\\])"),
                                               R"(\$&)") +
                            "_([0-9]{4,})" +
                            std::regex_replace(p.extension().string(),
                                               std::regex(R"([.^$|()\[\]{}*+?\\])"),
                                               R"(\$&)"));
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            std::smatch m;
            const std::string name = e.path().filename().string();
            if (std::regex_match(name, m, re))
                d_next_index = std::max<size_t>(d_next_index, std::stoul(m[1]) + 1);
        }
    }
    open_file();
    d_thread = std::thread([this] { run(); });
}

capture_writer::~capture_writer() { stop(); }

std::string capture_writer::next_rotated_path()
{
    const fs::path p(d_s.path);
    char num[32];
    std::snprintf(num, sizeof num, "_%04zu", d_next_index++);
    return (p.parent_path() / (p.stem().string() + num + p.extension().string())).string();
}

void capture_writer::open_file()
{
    const std::string path = d_s.rotate ? next_rotated_path() : d_s.path;
    check_writable(path);
    dataset_info info = d_s.info;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        info.classes = d_classes;
        info.sample_rate = d_rate;
        info.center_freq = d_freq;
    }
    info.normalisation = d_s.normalisation;
    writer_options o;
    o.frame_metadata = true;
    o.radio_metadata = true;
    o.chunk_frames = 0; // ~1 MiB chunks whatever the frame length
    o.append = !d_s.rotate && d_s.if_exists == "append";
    o.overwrite = d_s.rotate || d_s.if_exists == "overwrite";
    if (!d_s.rotate && d_s.if_exists == "fail" && fs::exists(path))
        throw input_error(path, "file exists (if_exists='fail'); choose another name, or "
                                "append / overwrite");
    d_file = std::make_unique<dataset_writer>(path, info, o);
    d_file_start = d_file->size();
    std::lock_guard<std::mutex> lock(d_mutex);
    d_classes = d_file->info().classes; // an appended file keeps its own order first
    d_files.push_back(path);
}

bool capture_writer::push(const gr_complex* frame, const frame_meta& meta)
{
    std::unique_lock<std::mutex> lock(d_mutex);
    while (d_state == state::running && !d_stopping &&
           d_pending.meta.size() >= d_s.queue_frames) {
        if (!d_s.backpressure) {
            d_counts.dropped++;
            return false;
        }
        d_space.wait(lock);
    }
    if (d_state != state::running || d_stopping) {
        d_counts.rejected++;
        return false;
    }
    if (d_pending.meta.empty())
        d_oldest = clock::now();
    d_pending.iq.insert(d_pending.iq.end(), frame, frame + d_L);
    d_pending.meta.push_back(meta);
    d_counts.queued++;
    d_counts.queue_high = std::max(d_counts.queue_high, d_pending.meta.size());
    if (d_s.flush_frames && d_pending.meta.size() >= d_s.flush_frames)
        d_work.notify_one();
    return true;
}

int capture_writer::label_of(const std::string& name, bool extend)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    for (size_t i = 0; i < d_classes.size(); i++)
        if (d_classes[i] == name)
            return int(i);
    if (!extend || name.empty())
        return -1;
    d_classes.push_back(name); // the writer thread adds it to the file before its frames
    return int(d_classes.size() - 1);
}

std::vector<std::string> capture_writer::classes() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_classes;
}

void capture_writer::set_radio(double sample_rate, double center_freq)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_rate = sample_rate;
    d_freq = center_freq;
}

capture_writer::state capture_writer::status() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_state;
}

std::string capture_writer::error() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_error;
}

std::vector<std::string> capture_writer::files() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_files;
}

writer_counts capture_writer::counts() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_counts;
}

void capture_writer::set_state(state s, const std::string& error)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    if (d_state == state::running)
        d_state = s;
    if (!error.empty() && d_error.empty())
        d_error = error;
    d_space.notify_all();
}

void capture_writer::stop()
{
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_stopping = true;
        d_work.notify_all();
        d_space.notify_all();
    }
    if (d_thread.joinable())
        d_thread.join();
    std::lock_guard<std::mutex> lock(d_mutex);
    if (d_state == state::running)
        d_state = state::stopped;
}

void capture_writer::run()
{
    std::unique_lock<std::mutex> lock(d_mutex);
    const auto interval = std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(d_s.flush_seconds));
    for (;;) {
        // Write when enough frames wait, when the oldest has waited the flush
        // interval, or when stopping.
        while (!d_stopping && (d_pending.meta.empty() ||
                               (d_s.flush_frames == 0 ||
                                d_pending.meta.size() < d_s.flush_frames))) {
            if (d_pending.meta.empty())
                d_work.wait(lock);
            else if (d_work.wait_until(lock, d_oldest + interval) == std::cv_status::timeout)
                break;
        }
        if (d_pending.meta.empty() && d_stopping)
            break;
        batch b;
        std::swap(b, d_pending);
        d_space.notify_all();
        const bool usable = d_state == state::running;
        lock.unlock();
        if (usable && !b.meta.empty()) {
            const auto t0 = clock::now();
            try {
                write_batch(b);
            } catch (const std::exception& e) {
                set_state(state::failed, e.what());
                std::lock_guard<std::mutex> g(d_mutex);
                d_counts.lost += b.meta.size();
            }
            std::lock_guard<std::mutex> g(d_mutex);
            d_counts.write_seconds +=
                std::chrono::duration<double>(clock::now() - t0).count();
        } else if (!b.meta.empty()) {
            std::lock_guard<std::mutex> g(d_mutex);
            d_counts.rejected += b.meta.size();
        }
        lock.lock();
    }
    lock.unlock();
    if (d_file) {
        try {
            d_file->close();
        } catch (const std::exception& e) {
            set_state(state::failed, e.what());
        }
        std::lock_guard<std::mutex> g(d_mutex);
        d_counts.flushed = d_counts.written;
        d_file.reset();
    }
}

frame_block capture_writer::prepare(batch& b)
{
    frame_block fb;
    fb.frame_length = d_L;
    fb.reserve(b.meta.size());
    uint64_t bad = 0;
    for (size_t i = 0; i < b.meta.size(); i++) {
        gr_complex* x = b.iq.data() + i * d_L;
        const frame_meta& m = b.meta[i];
        // The estimate comes before normalisation (it is scale-free, but
        // NaN samples are refused by the normaliser first).
        if (!d_norm->scale_in_place(x)) {
            bad++;
            continue;
        }
        const float* f = reinterpret_cast<const float*>(x);
        fb.iq.insert(fb.iq.end(), f, f + 2 * d_L);
        fb.labels.push_back(m.label);
        fb.snr_db.push_back(float(m.estimate_snr ? d_snr->estimate_db(x) : m.snr_db));
        fb.capture_time.push_back(m.time);
        fb.capture_id.push_back(m.id);
        fb.center_freq.push_back(m.center_freq);
        fb.snr_estimated.push_back(m.estimate_snr ? 1 : 0);
    }
    if (bad) {
        std::lock_guard<std::mutex> g(d_mutex);
        d_counts.nonfinite += bad;
    }
    return fb;
}

bool capture_writer::at_limit() const
{
    const size_t in_file = d_file->size();
    if (d_s.max_frames_per_file && in_file >= d_s.max_frames_per_file)
        return true;
    return d_s.max_bytes_per_file &&
           (in_file + 1) * d_file->frame_bytes() > d_s.max_bytes_per_file;
}

void capture_writer::write_batch(batch& b)
{
    frame_block all = prepare(b);
    size_t done = 0;
    while (done < all.size()) {
        if (at_limit()) {
            d_file->close();
            {
                std::lock_guard<std::mutex> g(d_mutex);
                d_counts.flushed = d_counts.written;
                d_counts.flushes++;
            }
            const bool more_files = d_s.rotate && (d_s.max_files == 0 ||
                                                   files().size() < d_s.max_files);
            if (!more_files) {
                d_file.reset();
                std::lock_guard<std::mutex> g(d_mutex);
                d_counts.rejected += all.size() - done;
                if (d_state == state::running)
                    d_state = state::full;
                d_space.notify_all();
                return;
            }
            open_file();
        }
        // Classes named since the file was opened become columns before their frames.
        for (const auto& c : classes())
            d_file->add_class(c);
        double rate, freq;
        {
            std::lock_guard<std::mutex> g(d_mutex);
            rate = d_rate;
            freq = d_freq;
        }
        d_file->set_radio(rate, freq);
        size_t room = all.size() - done;
        if (d_s.max_frames_per_file)
            room = std::min(room, d_s.max_frames_per_file - d_file->size());
        if (d_s.max_bytes_per_file)
            room = std::min<size_t>(
                room, d_s.max_bytes_per_file / d_file->frame_bytes() - d_file->size());
        room = std::max<size_t>(room, 1); // a file holds at least one frame
        frame_block part;
        part.frame_length = d_L;
        part.reserve(room);
        for (size_t i = done; i < done + room; i++)
            part.append_from(all, i);
        d_file->append(part);
        done += room;
        std::lock_guard<std::mutex> g(d_mutex);
        d_counts.written += room;
    }
    if (d_file) {
        d_file->flush();
        std::lock_guard<std::mutex> g(d_mutex);
        d_counts.flushed = d_counts.written;
        d_counts.flushes++;
    }
}

} // namespace capture
} // namespace amrcompress
} // namespace gr
