/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../deploy/frame_normaliser.h"
#include "capture_writer.h"
#include "snr_estimator.h"
#include <gnuradio/amrcompress/dataset_writer.h>
#include <gnuradio/amrcompress/error.h>
#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <regex>

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
        throw input_error(path,
                          std::string("cannot write the capture file (") +
                              std::strerror(errno) + ")");
    ::close(fd);
    if (!existed)
        ::unlink(path.c_str());
}

} // namespace

capture_writer::capture_writer(const writer_settings& s)
    : d_s(s),
      d_L(s.info.frame_length),
      d_rate(s.info.sample_rate),
      d_freq(s.info.center_freq)
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
    // Numbered files (rotation, or a new class after frames were flushed) come
    // after those already there: a capture never touches old ones.
    d_next_index = s.rotate ? 0 : 1;
    const fs::path p(s.path);
    const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
    const std::regex special(R"([.^$|()\[\]{}*+?\\])");
    const std::regex numbered(
        std::regex_replace(p.stem().string(), special, R"(\$&)") + "_([0-9]{4,})" +
        std::regex_replace(p.extension().string(), special, R"(\$&)"));
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        std::smatch m;
        const std::string name = e.path().filename().string();
        if (std::regex_match(name, m, numbered))
            d_next_index = std::max<size_t>(d_next_index, std::stoul(m[1]) + 1);
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
    return (p.parent_path() / (p.stem().string() + num + p.extension().string()))
        .string();
}

size_t capture_writer::capacity_for(size_t classes) const
{
    // HDF5 keeps a chunk under 4 GiB; a capture file is one chunk per dataset.
    const uint64_t chunk_limit = 0xFFFFFFFFull;
    const uint64_t most = std::min(chunk_limit / (8 * d_L),
                                   chunk_limit / (8 * std::max<size_t>(classes, 1)));
    // The user's limits, or 2^20 frames when none is given.
    uint64_t cap = UINT64_MAX;
    if (d_s.max_frames_per_file)
        cap = d_s.max_frames_per_file;
    if (d_s.max_bytes_per_file) {
        writer_options o; // the datasets a capture file holds (open_file)
        o.frame_metadata = o.radio_metadata = true;
        const uint64_t frame_bytes = dataset_writer::frame_bytes(d_L, classes, o);
        cap = std::min<uint64_t>(
            cap, std::max<uint64_t>(1, d_s.max_bytes_per_file / frame_bytes));
    }
    if (cap == UINT64_MAX)
        cap = uint64_t(1) << 20;
    return size_t(std::min(cap, most));
}

void capture_writer::open_file()
{
    const bool numbered = d_s.rotate || !d_files.empty();
    const std::string path = numbered ? next_rotated_path() : d_s.path;
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
    o.capacity = capacity_for(info.classes.size());
    o.append = !numbered && d_s.if_exists == "append";
    o.overwrite = numbered || d_s.if_exists == "overwrite";
    if (!numbered && d_s.if_exists == "fail" && fs::exists(path))
        throw input_error(path,
                          "file exists (if_exists='fail'); choose another name, or "
                          "append / overwrite");
    d_file = std::make_unique<dataset_writer>(path, info, o);
    std::lock_guard<std::mutex> lock(d_mutex);
    // An appended file keeps its own class order; the capture's other classes
    // follow (frames of those go to a new file: a capture file's list is fixed).
    std::vector<std::string> merged = d_file->info().classes;
    for (const auto& c : d_classes)
        if (std::find(merged.begin(), merged.end(), c) == merged.end())
            merged.push_back(c);
    d_classes = merged;
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
    // The first frame of a batch starts the flush timer: the writer thread,
    // asleep while nothing waits, must wake now to time it.
    const bool first = d_pending.meta.empty();
    if (first)
        d_oldest = clock::now();
    const float* f = reinterpret_cast<const float*>(frame);
    d_pending.iq.insert(d_pending.iq.end(), f, f + 2 * d_L);
    d_pending.meta.push_back(meta);
    d_counts.queued++;
    d_counts.queue_high = std::max(d_counts.queue_high, d_pending.meta.size());
    if (first || (d_s.flush_frames && d_pending.meta.size() >= d_s.flush_frames))
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
        while (!d_stopping &&
               (d_pending.meta.empty() ||
                (d_s.flush_frames == 0 || d_pending.meta.size() < d_s.flush_frames))) {
            if (d_pending.meta.empty())
                d_work.wait(lock);
            else if (d_work.wait_until(lock, d_oldest + interval) ==
                     std::cv_status::timeout)
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
            const size_t frames = b.meta.size();
            const writer_counts before = counts();
            try {
                write_batch(b);
            } catch (const std::exception& e) {
                set_state(state::failed, e.what());
                // Frames handed to HDF5 since the last good flush are not on
                // disk: they are lost, not written. Those a rotation flushed
                // before the failure, and non-finite frames, are not lost.
                std::lock_guard<std::mutex> g(d_mutex);
                const uint64_t kept = d_counts.flushed - before.flushed;
                const uint64_t squeezed = d_counts.nonfinite - before.nonfinite;
                d_counts.lost += frames - std::min<uint64_t>(frames, kept + squeezed);
                d_counts.written = d_counts.flushed;
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
        bool closed = true;
        try {
            d_file->close();
        } catch (const std::exception& e) {
            set_state(state::failed, e.what());
            closed = false;
        }
        std::lock_guard<std::mutex> g(d_mutex);
        if (closed)
            d_counts.flushed = d_counts.written;
        d_counts.lost += d_counts.written - d_counts.flushed;
        d_counts.written = d_counts.flushed;
        d_file.reset();
    }
}

frame_block capture_writer::prepare(batch& b)
{
    // Works in the batch's own buffer, which then becomes the frame block: the
    // samples are not copied again. Frames with NaN/Inf samples are squeezed out.
    frame_block fb;
    fb.frame_length = d_L;
    const size_t n = b.meta.size(), F = 2 * d_L;
    fb.labels.reserve(n);
    fb.snr_db.reserve(n);
    fb.capture_time.reserve(n);
    fb.capture_id.reserve(n);
    fb.center_freq.reserve(n);
    fb.snr_estimated.reserve(n);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        gr_complex* x = reinterpret_cast<gr_complex*>(b.iq.data() + i * F);
        const frame_meta& m = b.meta[i];
        // The SNR estimate is scale-free, so it may come after normalisation.
        if (!d_norm->scale_in_place(x))
            continue;
        if (kept != i)
            std::copy_n(b.iq.data() + i * F, F, b.iq.data() + kept * F);
        x = reinterpret_cast<gr_complex*>(b.iq.data() + kept * F);
        kept++;
        fb.labels.push_back(m.label);
        fb.snr_db.push_back(float(m.estimate_snr ? d_snr->estimate_db(x) : m.snr_db));
        fb.capture_time.push_back(m.time);
        fb.capture_id.push_back(m.id);
        fb.center_freq.push_back(m.center_freq);
        fb.snr_estimated.push_back(m.estimate_snr ? 1 : 0);
    }
    b.iq.resize(kept * F);
    fb.iq = std::move(b.iq);
    if (kept < n) {
        std::lock_guard<std::mutex> g(d_mutex);
        d_counts.nonfinite += n - kept;
    }
    return fb;
}

bool capture_writer::next_file(bool for_new_class)
{
    d_file->close();
    {
        std::lock_guard<std::mutex> g(d_mutex);
        d_counts.flushed = d_counts.written;
        d_counts.flushes++;
    }
    const bool more_files =
        for_new_class ||
        (d_s.rotate && (d_s.max_files == 0 || files().size() < d_s.max_files));
    if (!more_files) {
        d_file.reset();
        std::lock_guard<std::mutex> g(d_mutex);
        if (d_state == state::running)
            d_state = state::full;
        d_space.notify_all();
        return false;
    }
    open_file();
    return true;
}

void capture_writer::write_batch(batch& b)
{
    frame_block all = prepare(b);
    size_t done = 0;
    while (done < all.size()) {
        if (d_file->size() >= d_file->capacity() && !next_file(false)) {
            std::lock_guard<std::mutex> g(d_mutex);
            d_counts.rejected += all.size() - done;
            return;
        }
        // A class the file lacks: added in place while it holds no frames, else
        // the capture goes on in the next file, which has every class.
        const int32_t top =
            *std::max_element(all.labels.begin() + done, all.labels.end());
        if (size_t(top) >= d_file->info().classes.size()) {
            if (d_file->classes_fixed()) {
                next_file(true);
                continue;
            }
            for (const auto& c : classes())
                d_file->add_class(c);
        }
        double rate, freq;
        {
            std::lock_guard<std::mutex> g(d_mutex);
            rate = d_rate;
            freq = d_freq;
        }
        d_file->set_radio(rate, freq);
        const size_t room =
            std::min(all.size() - done, d_file->capacity() - d_file->size());
        if (done == 0 && room == all.size()) {
            d_file->append(all); // the usual case: the whole batch fits
        } else {
            frame_block part;
            part.frame_length = d_L;
            part.reserve(room);
            for (size_t i = done; i < done + room; i++)
                part.append_from(all, i);
            d_file->append(part);
        }
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
