/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/label_check.h>
#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <thread>

namespace gr {
namespace amrcompress {

namespace {
struct snr_acc {
    double lin = 0, sum_db = 0, sum_db2 = 0;
    size_t frames = 0, mismatched = 0;
};
} // namespace

label_check_result check_generated_labels(const dataset_reader& ds,
                                          size_t cells_per_snr,
                                          unsigned threads,
                                          const progress_fn& progress)
{
    label_check_result r;
    if (ds.info().generator.empty()) {
        r.reason = "not made by amr gen (no generator parameters in the file)";
        return r;
    }
    if (!ds.has_frame_metadata()) {
        r.reason = "no per-frame capture ids to locate frames in their cells";
        return r;
    }
    generator_config cfg;
    try {
        cfg = generator_config::from_json(ds.info().generator);
    } catch (const input_error& e) {
        // from_json knows the text, not the file it came from.
        throw input_error(ds.path(),
                          std::string("its 'generator' attribute: ") + e.what());
    }
    if (cfg.frame_length != ds.info().frame_length)
        throw input_error(ds.path(),
                          "generator parameters say frame length " +
                              std::to_string(cfg.frame_length) + " but the frames have " +
                              std::to_string(ds.info().frame_length));
    const size_t n_snr = cfg.snrs_db.size(), n_cls = cfg.classes.size();
    const size_t n_cells = n_snr * n_cls;

    // Which file frames belong to which cell; a frame whose stored class or
    // SNR differs from what its id says is a wrong label.
    std::map<size_t, std::vector<std::pair<size_t, size_t>>>
        by_cell; // cell -> (file idx, j)
    size_t wrong_labels = 0;
    const std::vector<int64_t>& frame_ids = ds.capture_id();
    for (size_t i = 0; i < ds.size(); i++) {
        int64_t id = frame_ids[i];
        if (id < 0 || size_t(id) >= n_cells * cfg.frames_per_cell) {
            wrong_labels++;
            continue;
        }
        size_t cell = size_t(id) / cfg.frames_per_cell,
               j = size_t(id) % cfg.frames_per_cell;
        size_t ci = cell / n_snr, si = cell % n_snr;
        if (ds.info().classes[ds.labels()[i]] != cfg.classes[ci] ||
            std::lround(ds.snr_db()[i]) != cfg.snrs_db[si]) {
            wrong_labels++;
            continue;
        }
        by_cell[cell].push_back({ i, j });
    }

    // Per SNR, at most cells_per_snr classes, rotating so all classes get covered.
    std::vector<size_t> chosen;
    for (size_t si = 0; si < n_snr; si++) {
        size_t taken = 0;
        for (size_t k = 0; k < n_cls; k++) {
            size_t ci = (si * std::max<size_t>(1, cells_per_snr) + k) % n_cls;
            size_t cell = ci * n_snr + si;
            if (by_cell.count(cell) && (cells_per_snr == 0 || taken < cells_per_snr)) {
                chosen.push_back(cell);
                taken++;
            }
        }
    }

    std::map<int, snr_acc> acc;
    std::mutex m;
    std::atomic<size_t> next{ 0 }, done{ 0 };
    std::exception_ptr error;
    const size_t L2 = cfg.frame_length * 2;
    auto worker = [&] {
        for (size_t k; (k = next++) < chosen.size();) {
            try {
                size_t cell = chosen[k];
                auto g = generate_cell(cfg, cell / n_snr, cell % n_snr, true);
                const auto& members = by_cell.at(cell);
                std::vector<size_t> idx;
                for (auto& mbr : members)
                    idx.push_back(mbr.first);
                frame_block stored = ds.read_indices(idx);
                snr_acc a;
                for (size_t q = 0; q < members.size(); q++) {
                    size_t j = members[q].second;
                    const float* x = stored.frame(q);
                    const float* regen = g.frames.frame(j);
                    double ps = 0, pn = 0, peak = 0, diff = 0;
                    for (size_t t = 0; t < L2; t++) {
                        ps += double(g.signal[j * L2 + t]) * g.signal[j * L2 + t];
                        pn += double(g.noise[j * L2 + t]) * g.noise[j * L2 + t];
                        peak = std::max(peak, double(std::fabs(regen[t])));
                        diff = std::max(diff, double(std::fabs(regen[t] - x[t])));
                    }
                    if (diff > 1e-5 * std::max(peak, 1e-30))
                        a.mismatched++;
                    // Per-frame normalisation scales s and n alike, so only
                    // per-frame ratios are meaningful; noise power before
                    // normalisation is constant, so their mean estimates
                    // mean signal power / noise power.
                    a.lin += ps / pn;
                    double db = 10 * std::log10(ps / pn);
                    a.sum_db += db;
                    a.sum_db2 += db * db;
                    a.frames++;
                }
                std::lock_guard<std::mutex> lk(m);
                auto& t = acc[cfg.snrs_db[cell % n_snr]];
                t.lin += a.lin;
                t.sum_db += a.sum_db;
                t.sum_db2 += a.sum_db2;
                t.frames += a.frames;
                t.mismatched += a.mismatched;
                if (progress)
                    progress(++done, chosen.size());
            } catch (...) {
                std::lock_guard<std::mutex> lk(m);
                if (!error)
                    error = std::current_exception();
                next = chosen.size();
            }
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < std::max(1u, threads); t++)
        pool.emplace_back(worker);
    for (auto& t : pool)
        t.join();
    if (error)
        std::rethrow_exception(error);

    r.available = true;
    r.mismatched = wrong_labels;
    r.frames_checked = wrong_labels;
    for (auto& [snr, a] : acc) {
        snr_check_row row;
        row.snr_label = float(snr);
        row.frames = a.frames;
        row.measured_snr_db = 10 * std::log10(a.lin / a.frames);
        double mean = a.sum_db / a.frames;
        row.frame_snr_std_db =
            std::sqrt(std::max(0.0, a.sum_db2 / a.frames - mean * mean));
        row.mismatched = a.mismatched;
        r.rows.push_back(row);
        r.frames_checked += a.frames;
        r.mismatched += a.mismatched;
    }
    return r;
}

} // namespace amrcompress
} // namespace gr
