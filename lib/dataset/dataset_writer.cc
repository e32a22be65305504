/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hdf5_layout.h"
#include <gnuradio/amrcompress/dataset_writer.h>
#include <gnuradio/amrcompress/error.h>
#include <cmath>
#include <fstream>
#include <set>

namespace gr {
namespace amrcompress {

using lock_t = std::lock_guard<std::recursive_mutex>;

struct dataset_writer::impl {
    std::string path;
    dataset_info info;
    writer_options opts;
    H5::H5File file;
    H5::DataSet x, y, z, snr, ctime, cid;
    size_t n = 0;
    bool open = false;

    [[noreturn]] void fail(const std::string& problem) const
    {
        throw input_error(path, problem);
    }

    H5::DataSet make_extensible(const char* name,
                                const H5::DataType& type,
                                std::vector<hsize_t> inner)
    {
        std::vector<hsize_t> dims{ 0 }, maxdims{ H5S_UNLIMITED },
            chunk{ std::max<hsize_t>(1, opts.chunk_frames) };
        for (hsize_t d : inner) {
            dims.push_back(d);
            maxdims.push_back(d);
            chunk.push_back(d);
        }
        H5::DataSpace sp(static_cast<int>(dims.size()), dims.data(), maxdims.data());
        H5::DSetCreatPropList p;
        p.setChunk(static_cast<int>(chunk.size()), chunk.data());
        return file.createDataSet(name, type, sp, p);
    }

    template <typename T>
    void append_rows(H5::DataSet& ds,
                     const H5::PredType& memtype,
                     const T* data,
                     size_t rows,
                     std::vector<hsize_t> inner)
    {
        std::vector<hsize_t> newdims{ n + rows }, off{ n }, cnt{ rows };
        for (hsize_t d : inner) {
            newdims.push_back(d);
            off.push_back(0);
            cnt.push_back(d);
        }
        ds.extend(newdims.data());
        H5::DataSpace fs = ds.getSpace();
        fs.selectHyperslab(H5S_SELECT_SET, cnt.data(), off.data());
        H5::DataSpace ms(static_cast<int>(cnt.size()), cnt.data());
        ds.write(data, memtype, ms, fs);
    }

    void validate(const frame_block& b) const
    {
        const size_t L = info.frame_length, c = info.classes.size();
        if (b.frame_length != L)
            fail("frames of length " + std::to_string(b.frame_length) +
                 " cannot be added to a dataset of length " + std::to_string(L));
        if (b.iq.size() != b.size() * L * 2 || b.snr_db.size() != b.size())
            fail("inconsistent frame block (samples, labels and SNRs differ in count)");
        if (opts.frame_metadata &&
            (b.capture_time.size() != b.size() || b.capture_id.size() != b.size()))
            fail("this dataset keeps per-frame metadata: every frame needs capture "
                 "time and id");
        for (size_t i = 0; i < b.size(); i++) {
            if (b.labels[i] < 0 || static_cast<size_t>(b.labels[i]) >= c)
                fail("label " + std::to_string(b.labels[i]) + " is outside the " +
                     std::to_string(c) + " classes");
            if (!std::isfinite(b.snr_db[i]))
                fail("SNR of a frame to be written is not finite");
        }
        for (float v : b.iq)
            if (!std::isfinite(v))
                fail("refusing to write a frame containing NaN or Inf samples");
    }
};

dataset_writer::dataset_writer(const std::string& path,
                               const dataset_info& info,
                               const writer_options& opts)
    : d(std::make_unique<impl>())
{
    d->path = path;
    d->info = info;
    d->opts = opts;
    if (info.frame_length == 0)
        d->fail("frame length must be positive");
    if (info.classes.empty())
        d->fail("a dataset needs at least one class name");
    std::set<std::string> seen;
    for (const auto& c : info.classes)
        if (c.empty() || !seen.insert(c).second)
            d->fail("class names must be non-empty and unique ('" + c + "')");
    if (!opts.overwrite && std::ifstream(path).good())
        d->fail("file exists (use --force / overwrite to replace it)");

    h5::silence_library_errors();
    lock_t lock(h5::library_mutex());
    try {
        d->file = H5::H5File(path, H5F_ACC_TRUNC);
        const size_t L = info.frame_length, C = info.classes.size();
        d->x = d->make_extensible(h5::X, H5::PredType::IEEE_F32LE, { L, 2 });
        d->y = d->make_extensible(h5::Y, H5::PredType::STD_I64LE, { C });
        d->z = d->make_extensible(h5::Z, H5::PredType::STD_I64LE, { 1 });
        d->snr = d->make_extensible(h5::SNR_DB, H5::PredType::IEEE_F32LE, {});
        if (opts.frame_metadata) {
            d->ctime = d->make_extensible(h5::CAPTURE_TIME, H5::PredType::IEEE_F64LE, {});
            d->cid = d->make_extensible(h5::CAPTURE_ID, H5::PredType::STD_I64LE, {});
        }
        h5::write_string_attr(d->file, h5::A_FORMAT, h5::FORMAT_VERSION);
        h5::write_string_list_attr(d->file, h5::A_CLASSES, info.classes);
        h5::write_double_attr(d->file, h5::A_SAMPLE_RATE, info.sample_rate);
        h5::write_double_attr(d->file, h5::A_CENTER_FREQ, info.center_freq);
        h5::write_string_attr(d->file, h5::A_SOURCE, info.source);
        h5::write_string_attr(d->file,
                              h5::A_NORMALISATION,
                              info.normalisation.empty() ? "unknown"
                                                         : info.normalisation);
        h5::write_string_attr(d->file, h5::A_GENERATOR, info.generator);
        h5::write_string_attr(d->file, h5::A_DESCRIPTION, info.description);
        d->file.flush(H5F_SCOPE_GLOBAL);
        d->open = true;
    } catch (const H5::Exception& e) {
        d->fail("cannot create dataset file (" + e.getDetailMsg() + ")");
    }
}

dataset_writer::~dataset_writer()
{
    try {
        close();
    } catch (...) {
        // A destructor must not throw; close() explicitly to see errors.
    }
}

void dataset_writer::append(const frame_block& b)
{
    if (!d->open)
        d->fail("dataset is closed");
    d->validate(b);
    const size_t m = b.size(), C = d->info.classes.size(), L = d->info.frame_length;
    if (m == 0)
        return;
    std::vector<int64_t> onehot(m * C, 0), z(m);
    for (size_t i = 0; i < m; i++) {
        onehot[i * C + b.labels[i]] = 1;
        z[i] = static_cast<int64_t>(std::lround(b.snr_db[i]));
    }
    lock_t lock(h5::library_mutex());
    try {
        d->append_rows(d->x, H5::PredType::NATIVE_FLOAT, b.iq.data(), m, { L, 2 });
        d->append_rows(d->y, H5::PredType::NATIVE_INT64, onehot.data(), m, { C });
        d->append_rows(d->z, H5::PredType::NATIVE_INT64, z.data(), m, { 1 });
        d->append_rows(d->snr, H5::PredType::NATIVE_FLOAT, b.snr_db.data(), m, {});
        if (d->opts.frame_metadata) {
            d->append_rows(
                d->ctime, H5::PredType::NATIVE_DOUBLE, b.capture_time.data(), m, {});
            d->append_rows(
                d->cid, H5::PredType::NATIVE_INT64, b.capture_id.data(), m, {});
        }
    } catch (const H5::Exception& e) {
        d->fail("writing " + std::to_string(m) + " frames failed (disk full or "
                "file not writable?) (" + e.getDetailMsg() + ")");
    }
    d->n += m;
}

void dataset_writer::flush()
{
    if (!d->open)
        return;
    lock_t lock(h5::library_mutex());
    try {
        d->file.flush(H5F_SCOPE_GLOBAL);
    } catch (const H5::Exception& e) {
        d->fail("flush failed (" + e.getDetailMsg() + ")");
    }
}

void dataset_writer::close()
{
    if (!d->open)
        return;
    d->open = false;
    lock_t lock(h5::library_mutex());
    try {
        d->file.flush(H5F_SCOPE_GLOBAL);
        d->x.close();
        d->y.close();
        d->z.close();
        d->snr.close();
        if (d->opts.frame_metadata) {
            d->ctime.close();
            d->cid.close();
        }
        d->file.close();
    } catch (const H5::Exception& e) {
        d->fail("closing the file failed (" + e.getDetailMsg() + ")");
    }
}

size_t dataset_writer::size() const { return d->n; }
const std::string& dataset_writer::path() const { return d->path; }

} // namespace amrcompress
} // namespace gr
