/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads the training-dynamics record that lib/train/dynamics_record.cc writes
 * (layout in docs/models.md): only the completed epochs, every array checked.
 */
#include "../dataset/hdf5_guard.h"
#include "../dataset/hdf5_layout.h"
#include "../util/input_file.h"
#include <gnuradio/amrcompress/coreset.h>
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <type_traits>
#include <cmath>
#include <filesystem>

namespace gr {
namespace amrcompress {

namespace {

std::vector<hsize_t> dims_of(const H5::DataSet& ds)
{
    auto sp = ds.getSpace();
    std::vector<hsize_t> d(sp.getSimpleExtentNdims());
    sp.getSimpleExtentDims(d.data());
    return d;
}

// HDF5 converts on read: a float index 3.5 would silently read as 3.
void require_class(const H5::DataSet& ds,
                   H5T_class_t want,
                   const char* name,
                   const std::string& path)
{
    if (ds.getTypeClass() != want)
        throw input_error(
            path,
            std::string("'") + name + "' must hold " +
                (want == H5T_INTEGER ? "integers" : "floating-point numbers"));
}

template <typename T>
std::vector<T> read_column(const H5::H5File& f,
                           const char* name,
                           size_t n,
                           const H5::PredType& type,
                           const std::string& path)
{
    if (!f.nameExists(name))
        throw input_error(path, std::string("not a dynamics record: no '") + name + "'");
    auto ds = f.openDataSet(name);
    require_class(ds, std::is_integral<T>::value ? H5T_INTEGER : H5T_FLOAT, name, path);
    auto d = dims_of(ds);
    if (d.size() != 1 || d[0] != n)
        throw input_error(path,
                          std::string("'") + name + "' does not have " +
                              std::to_string(n) + " rows");
    std::vector<T> v(n);
    if (n)
        ds.read(v.data(), type);
    return v;
}

template <typename T>
std::vector<T> read_epochs(const H5::H5File& f,
                           const char* name,
                           size_t n,
                           size_t T_done,
                           const H5::PredType& type)
{
    auto ds = f.openDataSet(name);
    std::vector<T> v(n * T_done);
    if (v.empty())
        return v;
    hsize_t off[2] = { 0, 0 }, cnt[2] = { n, T_done };
    H5::DataSpace fs = ds.getSpace();
    fs.selectHyperslab(H5S_SELECT_SET, cnt, off);
    H5::DataSpace ms(2, cnt);
    ds.read(v.data(), type, ms, fs);
    return v;
}

training_dynamics read_unchecked(const std::string& path)
{
    training_dynamics d;
    d.path = path;
    try {
        if (!H5::H5File::isHdf5(path))
            throw input_error(path, "not an HDF5 file (or its header is corrupt)");
        H5::H5File f(path, H5F_ACC_RDONLY);
        if (!h5::has_attr(f, "amr_format") ||
            h5::read_string_attr(f, "amr_format") != "gr-amrcompress dynamics 1")
            throw input_error(path, "not a gr-amrcompress training-dynamics record");
        if (!f.nameExists("pred") || !f.nameExists("loss"))
            throw input_error(path, "not a dynamics record: no 'pred'/'loss'");
        d.dataset = h5::read_string_attr(f, "dataset");
        d.classes = h5::read_string_list_attr(f, "classes");
        auto pd = dims_of(f.openDataSet("pred")), ld = dims_of(f.openDataSet("loss"));
        if (pd.size() != 2 || pd != ld)
            throw input_error(path, "'pred' and 'loss' must both be [N, epochs]");
        const size_t n = pd[0];
        if (n == 0)
            throw input_error(path,
                              "the dynamics record has no rows (no training frames)");
        require_class(f.openDataSet("pred"), H5T_INTEGER, "pred", path);
        require_class(f.openDataSet("loss"), H5T_FLOAT, "loss", path);
        const double done = h5::read_double_attr(f, "epochs_completed");
        if (!(done >= 0 && done <= pd[1]) || done != std::floor(done))
            throw input_error(path, "corrupt 'epochs_completed' attribute");
        d.epochs = static_cast<size_t>(done);
        auto idx = read_column<int64_t>(f, "index", n, H5::PredType::NATIVE_INT64, path);
        d.index.reserve(n);
        for (int64_t i : idx) {
            if (i < 0)
                throw input_error(path, "negative frame index in 'index'");
            d.index.push_back(static_cast<size_t>(i));
        }
        d.label = read_column<int32_t>(f, "label", n, H5::PredType::NATIVE_INT32, path);
        d.snr_db = read_column<float>(f, "snr_db", n, H5::PredType::NATIVE_FLOAT, path);
        for (int32_t l : d.label)
            if (l < 0 || size_t(l) >= d.classes.size())
                throw input_error(path, "label outside the record's classes");
        d.pred = read_epochs<uint8_t>(f, "pred", n, d.epochs, H5::PredType::NATIVE_UINT8);
        d.loss = read_epochs<float>(f, "loss", n, d.epochs, H5::PredType::NATIVE_FLOAT);
        if (f.nameExists("test_index")) {
            auto t = f.openDataSet("test_index");
            require_class(t, H5T_INTEGER, "test_index", path);
            auto td = dims_of(t);
            if (td.size() != 1)
                throw input_error(path, "'test_index' is not a list of frames");
            std::vector<int64_t> test(td[0]);
            if (!test.empty())
                t.read(test.data(), H5::PredType::NATIVE_INT64);
            for (int64_t i : test) {
                if (i < 0)
                    throw input_error(path, "negative frame index in 'test_index'");
                d.test_index.push_back(static_cast<size_t>(i));
            }
        }
        for (uint8_t p : d.pred)
            if (p >= d.classes.size())
                throw input_error(path, "prediction outside the record's classes");
        for (float l : d.loss)
            if (!std::isfinite(l))
                throw input_error(path, "non-finite loss in the record");
    } catch (const H5::Exception& e) {
        throw input_error(path,
                          "cannot read the dynamics record: truncated or corrupt (" +
                              e.getDetailMsg() + ")");
    }
    return d;
}

} // namespace

training_dynamics read_dynamics(const std::string& path)
{
    require_regular_file(path, "dynamics record");
    h5::silence_library_errors();
    std::lock_guard<std::recursive_mutex> lock(h5::library_mutex());
    // libhdf5 can crash on a corrupt record: a child reads it first (hdf5_guard.h).
    h5::check_in_subprocess(
        path, [&] { read_unchecked(path); }, h5::check_timeout());
    return read_unchecked(path);
}

void check_dynamics_fit(const training_dynamics& d, const dataset_reader& ds)
{
    const std::string what =
        "the dynamics record " + d.path + " does not belong to " + ds.path();
    // Two datasets of one shape (the generator with another seed, say) have
    // the same labels and SNRs at every index: only the name tells them
    // apart. The recorded file, if it still exists, must be this one; if it
    // was moved, its name must be this one's.
    if (!d.dataset.empty()) {
        namespace fs = std::filesystem;
        std::error_code ec;
        const bool recorded_exists = fs::exists(d.dataset, ec);
        if (recorded_exists
                ? !fs::equivalent(d.dataset, ds.path(), ec)
                : fs::path(d.dataset).filename() != fs::path(ds.path()).filename())
            throw input_error(what + ": it was recorded on " + d.dataset);
    }
    if (d.classes != ds.info().classes)
        throw input_error(what + ": different class lists");
    std::vector<char> row_of(ds.size(), 0), is_test(ds.size(), 0);
    for (size_t i : d.test_index)
        if (i < ds.size())
            is_test[i] = 1;
    for (size_t r = 0; r < d.size(); r++) {
        const size_t i = d.index[r];
        if (i >= ds.size())
            throw input_error(what + ": it refers to frame " + std::to_string(i) +
                              " of a " + std::to_string(ds.size()) + "-frame dataset");
        if (row_of[i]++)
            throw input_error(d.path,
                              "frame " + std::to_string(i) +
                                  " has two rows: a record has one row per "
                                  "training frame");
        if (is_test[i])
            throw input_error(d.path,
                              "frame " + std::to_string(i) +
                                  " is one of the run's test frames: a coreset "
                                  "must come from the training frames");
        if (ds.labels()[i] != d.label[r] || ds.snr_db()[i] != d.snr_db[r])
            throw input_error(what + ": frame " + std::to_string(i) +
                              " has a different label or SNR");
    }
}

} // namespace amrcompress
} // namespace gr
