/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../util/atomic_file.h"
#include <gnuradio/amrcompress/dataset_writer.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/generator.h>
#include <gnuradio/constants.h>
#include <condition_variable>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

namespace gr {
namespace amrcompress {

void generate_dataset(const generator_config& cfg,
                      const std::string& path,
                      bool overwrite,
                      const progress_fn& progress)
{
    cfg.validate();
    if (!overwrite && std::ifstream(path).good())
        throw input_error(path, "file exists (use --force to overwrite)");

    dataset_info info;
    info.classes = cfg.classes;
    info.frame_length = cfg.frame_length;
    info.sample_rate = cfg.sample_rate;
    info.source = "amr gen: RML2016.10a-style, GNU Radio " + gr::version();
    info.normalisation = cfg.normalisation;
    info.generator = cfg.to_json();
    info.description = "Synthetic AMR dataset; per-frame capture_time is the window "
                       "start in its burst (s), capture_id encodes (class, SNR, frame).";

    // Written under a temporary name and renamed at the end, so an interrupted
    // run never leaves a file that looks complete.
    atomic_file out(path);
    const std::string& tmp = out.temp_path();
    writer_options wo;
    wo.overwrite = true;
    wo.frame_metadata = true;
    wo.chunk_frames = std::min<size_t>(1024, cfg.frames_per_cell);
    dataset_writer writer(tmp, info, wo);

    const size_t n_snr = cfg.snrs_db.size(), total = cfg.classes.size() * n_snr;
    std::vector<std::optional<generated_cell>> slots(total);
    std::mutex m;
    std::condition_variable cv;
    std::atomic<size_t> next{ 0 };
    std::atomic<bool> abort{ false };
    std::exception_ptr error;

    auto worker = [&] {
        for (size_t c; !abort && (c = next++) < total;) {
            try {
                auto cell = generate_cell(cfg, c / n_snr, c % n_snr);
                std::lock_guard<std::mutex> g(m);
                slots[c] = std::move(cell);
            } catch (...) {
                std::lock_guard<std::mutex> g(m);
                if (!error)
                    error = std::current_exception();
                abort = true;
            }
            cv.notify_all();
        }
    };
    const unsigned nt = std::max(1u, std::min<unsigned>(cfg.threads, total));
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < nt; t++)
        pool.emplace_back(worker);

    // Write cells in order as they complete; at most a few wait in memory.
    try {
        for (size_t c = 0; c < total; c++) {
            generated_cell cell;
            {
                std::unique_lock<std::mutex> lk(m);
                cv.wait(lk, [&] { return slots[c].has_value() || abort.load(); });
                if (!slots[c])
                    break;
                cell = std::move(*slots[c]);
                slots[c].reset();
            }
            writer.append(cell.frames);
            if (progress)
                progress(c + 1, total);
        }
    } catch (...) {
        std::lock_guard<std::mutex> g(m);
        if (!error)
            error = std::current_exception();
        abort = true;
    }
    for (auto& t : pool)
        t.join();
    if (error) {
        writer.close();
        std::rethrow_exception(error); // out removes the temporary
    }
    writer.close();
    out.commit();
}

} // namespace amrcompress
} // namespace gr
