/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../util/atomic_file.h"
#include "../util/input_file.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/dataset_writer.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/selection.h>
#include <cmath>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>

namespace gr {
namespace amrcompress {

std::vector<size_t> select_frames(const dataset_reader& ds, const frame_filter& f)
{
    std::vector<size_t> base = f.indices;
    if (base.empty()) {
        base.resize(ds.size());
        std::iota(base.begin(), base.end(), 0);
    }
    std::vector<char> keep_class(ds.info().classes.size(), f.classes.empty());
    for (const auto& name : f.classes)
        keep_class[ds.info().class_index(name)] = 1;
    if (f.snr_min > f.snr_max)
        throw input_error("SNR range is empty (min " + std::to_string(f.snr_min) +
                          " > max " + std::to_string(f.snr_max) + ")");
    std::vector<size_t> out;
    out.reserve(base.size());
    for (size_t i : base) {
        if (i >= ds.size())
            throw input_error(ds.path(),
                              "frame index " + std::to_string(i) + " is outside the " +
                                  std::to_string(ds.size()) + " frames");
        float s = ds.snr_db()[i];
        if (keep_class[ds.labels()[i]] && s >= f.snr_min && s <= f.snr_max)
            out.push_back(i);
    }
    return out;
}

split_indices stratified_split(const std::vector<int32_t>& labels,
                               const std::vector<float>& snr_db,
                               double train_fraction,
                               const std::vector<size_t>& subset)
{
    if (!(train_fraction >= 0.0 && train_fraction <= 1.0))
        throw input_error("train fraction must be within [0, 1]");
    if (labels.size() != snr_db.size())
        throw input_error("labels and SNRs differ in count");
    std::vector<size_t> all = subset;
    if (all.empty()) {
        all.resize(labels.size());
        std::iota(all.begin(), all.end(), 0);
    }
    // Groups keyed by (class, SNR in 1/1000 dB); members keep file order.
    std::map<std::pair<int32_t, long>, std::vector<size_t>> groups;
    for (size_t i : all) {
        if (i >= labels.size())
            throw input_error("split: frame index " + std::to_string(i) +
                              " out of range");
        groups[{ labels[i], std::lround(snr_db[i] * 1000.0) }].push_back(i);
    }
    split_indices out;
    for (auto& [key, members] : groups) {
        size_t n_train =
            static_cast<size_t>(std::floor(train_fraction * members.size() + 0.5));
        out.train.insert(out.train.end(), members.begin(), members.begin() + n_train);
        out.test.insert(out.test.end(), members.begin() + n_train, members.end());
    }
    std::sort(out.train.begin(), out.train.end());
    std::sort(out.test.begin(), out.test.end());
    return out;
}

std::vector<size_t> read_index_file(const std::string& path, size_t n_frames)
{
    // 2^30 bytes hold an index of every frame of a 10^8-frame dataset.
    std::istringstream in(read_small_file(path, "index", 1ull << 30));
    std::vector<size_t> out;
    std::vector<char> seen(n_frames, 0);
    std::string line;
    size_t lineno = 0;
    while (std::getline(in, line)) {
        lineno++;
        auto hash = line.find('#');
        if (hash != std::string::npos)
            line.erase(hash);
        std::istringstream ls(line);
        std::string tok;
        if (!(ls >> tok))
            continue;
        std::string extra;
        size_t pos = 0;
        unsigned long long v = 0;
        bool ok = tok.find_first_not_of("0123456789") == std::string::npos;
        if (ok) {
            try {
                v = std::stoull(tok, &pos);
            } catch (...) {
                ok = false;
            }
        }
        if (!ok || (ls >> extra))
            throw input_error(path,
                              "line " + std::to_string(lineno) +
                                  ": expected one non-negative frame index, got '" +
                                  line + "'");
        if (v >= n_frames)
            throw input_error(path,
                              "line " + std::to_string(lineno) + ": index " +
                                  std::to_string(v) + " is outside the dataset's " +
                                  std::to_string(n_frames) + " frames");
        if (seen[v]++)
            throw input_error(path,
                              "line " + std::to_string(lineno) + ": index " +
                                  std::to_string(v) + " appears twice");
        out.push_back(v);
    }
    // An empty selection is never what was meant: read as "no filter" by the
    // callers, it would train on every frame, test split included.
    if (out.empty())
        throw input_error(path,
                          "the index file lists no frames (it is empty or holds only "
                          "comments)");
    return out;
}

void write_index_file(const std::string& path,
                      const std::vector<size_t>& indices,
                      const std::string& comment)
{
    std::ostringstream out;
    out << "# gr-amrcompress index file: one frame index per line\n";
    std::istringstream cs(comment);
    for (std::string l; std::getline(cs, l);)
        out << "# " << l << "\n";
    for (size_t i : indices)
        out << i << "\n";
    write_file_atomically(path, out.str());
}

void write_subset(const dataset_reader& ds,
                  const std::vector<size_t>& indices,
                  const std::string& out_path,
                  bool overwrite,
                  size_t chunk_frames)
{
    if (indices.empty())
        throw input_error(ds.path(), "the selection is empty: nothing to write");
    writer_options o;
    o.overwrite = overwrite;
    if (chunk_frames)
        o.chunk_frames = chunk_frames;
    o.frame_metadata = ds.has_frame_metadata();
    o.radio_metadata = ds.has_radio_metadata();
    dataset_writer w(out_path, ds.info(), o);
    ds.for_each_block(indices, 4096, [&](const frame_block& b, size_t) { w.append(b); });
    w.close();
}

} // namespace amrcompress
} // namespace gr
