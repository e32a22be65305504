/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../dataset/hdf5_guard.h"
#include "../util/atomic_file.h"
#include "dataset/hdf5_layout.h"
#include "keeper_state_file.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/dataset_writer.h>
#include <gnuradio/amrcompress/error.h>
#include <H5Cpp.h>
#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace gr {
namespace amrcompress {
namespace keeper {

namespace {

const char* GROUP = "keeper";
const char* A_STATE = "state";
const char* A_VERSION = "keeper_format";
const char* VERSION = "gr-amrcompress coreset keeper 1";

template <typename T>
void write_column(H5::Group& g,
                  const char* name,
                  const std::vector<T>& v,
                  const H5::PredType& t)
{
    const hsize_t dims[1] = { v.size() };
    H5::DataSpace space(1, dims);
    auto ds = g.createDataSet(name, t, space);
    if (!v.empty())
        ds.write(v.data(), t);
}

template <typename T>
std::vector<T>
read_column(const H5::Group& g, const char* name, size_t n, const H5::PredType& t)
{
    auto ds = g.openDataSet(name);
    hsize_t dims[1] = { 0 };
    if (ds.getSpace().getSimpleExtentNdims() != 1)
        throw input_error(std::string("keeper/") + name + " is not one-dimensional");
    ds.getSpace().getSimpleExtentDims(dims);
    if (dims[0] != n)
        throw input_error(std::string("keeper/") + name + " has " +
                          std::to_string(dims[0]) + " rows for " + std::to_string(n) +
                          " frames");
    std::vector<T> v(n);
    if (n)
        ds.read(v.data(), t);
    return v;
}

} // namespace

void save_snapshot(const std::string& path, const snapshot& s)
{
    atomic_file out(path);
    const std::string& tmp = out.temp_path();
    const size_t n = s.frames.size();
    if (s.tallies.size() != n)
        throw input_error("coreset keeper: one trajectory per frame expected");
    {
        writer_options o;
        o.overwrite = true;
        o.frame_metadata = true;
        o.chunk_frames =
            std::max<size_t>(1, std::min<size_t>(n, 1024)); // no empty rows on disk
        dataset_writer w(tmp, s.info, o);
        if (n)
            w.append(s.frames);
        w.close();
    }
    try {
        std::lock_guard<std::recursive_mutex> lock(h5::library_mutex());
        H5::H5File f(tmp, H5F_ACC_RDWR);
        H5::Group g = f.createGroup(GROUP);
        std::vector<uint32_t> epochs(n), forget(n), persist(n), correct(n);
        std::vector<double> loss(n);
        std::vector<uint8_t> last(n);
        for (size_t i = 0; i < n; i++) {
            const auto& t = s.tallies[i];
            epochs[i] = t.epochs;
            forget[i] = t.forget;
            persist[i] = t.persist;
            correct[i] = t.correct;
            loss[i] = t.loss_sum;
            last[i] = t.last_correct;
        }
        write_column(g, "epochs", epochs, H5::PredType::NATIVE_UINT32);
        write_column(g, "forget", forget, H5::PredType::NATIVE_UINT32);
        write_column(g, "persist", persist, H5::PredType::NATIVE_UINT32);
        write_column(g, "correct", correct, H5::PredType::NATIVE_UINT32);
        write_column(g, "loss_sum", loss, H5::PredType::NATIVE_DOUBLE);
        write_column(g, "last_correct", last, H5::PredType::NATIVE_UINT8);
        h5::write_string_attr(g, A_VERSION, VERSION);
        h5::write_string_attr(g, A_STATE, s.state_json);
        f.close();
    } catch (const H5::Exception& e) {
        throw input_error(tmp,
                          "cannot write the keeper's trajectories: " + e.getDetailMsg());
    }
    out.commit(); // fsync, rename over the old coreset, fsync the directory
}

namespace {
// The /keeper group's n trajectories and state into s.
void read_trajectories(const std::string& path, size_t n, snapshot& s)
{
    try {
        std::lock_guard<std::recursive_mutex> lock(h5::library_mutex());
        H5::H5File f(path, H5F_ACC_RDONLY);
        if (!f.nameExists(GROUP))
            throw input_error(path,
                              "not a coreset keeper file (no /keeper group); "
                              "a dataset is not a keeper state");
        H5::Group g = f.openGroup(GROUP);
        if (!h5::has_attr(g, A_VERSION) || h5::read_string_attr(g, A_VERSION) != VERSION)
            throw input_error(path, "unknown coreset keeper format");
        s.state_json = h5::has_attr(g, A_STATE) ? h5::read_string_attr(g, A_STATE) : "{}";
        auto epochs = read_column<uint32_t>(g, "epochs", n, H5::PredType::NATIVE_UINT32);
        auto forget = read_column<uint32_t>(g, "forget", n, H5::PredType::NATIVE_UINT32);
        auto persist =
            read_column<uint32_t>(g, "persist", n, H5::PredType::NATIVE_UINT32);
        auto correct =
            read_column<uint32_t>(g, "correct", n, H5::PredType::NATIVE_UINT32);
        auto loss = read_column<double>(g, "loss_sum", n, H5::PredType::NATIVE_DOUBLE);
        auto last =
            read_column<uint8_t>(g, "last_correct", n, H5::PredType::NATIVE_UINT8);
        s.tallies.resize(n);
        for (size_t i = 0; i < n; i++) {
            auto& t = s.tallies[i];
            t.epochs = epochs[i];
            t.forget = forget[i];
            t.persist = persist[i];
            t.correct = correct[i];
            t.loss_sum = loss[i];
            t.last_correct = last[i] != 0;
            // A tally that contradicts itself would give scores outside the paper's
            // ranges.
            if (t.correct > t.epochs ||
                t.forget + t.persist + 1 > t.epochs + (t.epochs == 0) ||
                !std::isfinite(t.loss_sum))
                throw input_error(
                    path, "keeper trajectory " + std::to_string(i) + " is inconsistent");
        }
    } catch (const H5::Exception& e) {
        throw input_error(path,
                          "cannot read the keeper's trajectories: " + e.getDetailMsg());
    }
}
} // namespace

snapshot load_snapshot(const std::string& path)
{
    snapshot s;
    dataset_reader r(path); // checks the dataset part in a child of its own
    s.info = r.info();
    const size_t n = r.size();
    if (!r.has_frame_metadata())
        throw input_error(path, "not a coreset keeper file (no capture_id)");
    s.frames = r.read(0, n);
    // The /keeper group is metadata libhdf5 parses too: a child reads it first.
    {
        std::lock_guard<std::recursive_mutex> lock(h5::library_mutex());
        h5::check_in_subprocess(
            path,
            [&] {
                snapshot scratch;
                read_trajectories(path, n, scratch);
            },
            h5::check_timeout());
    }
    read_trajectories(path, n, s);
    return s;
}

} // namespace keeper
} // namespace amrcompress
} // namespace gr
