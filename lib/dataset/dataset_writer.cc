/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hdf5_layout.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/dataset_writer.h>
#include <gnuradio/amrcompress/error.h>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <set>
#include <unistd.h>

namespace gr {
namespace amrcompress {

using lock_t = std::lock_guard<std::recursive_mutex>;

namespace {

/*
 * Crash safety rests on two settings. (1) The metadata cache never evicts, so
 * HDF5 writes metadata only when we flush: between flushes the file on disk
 * keeps the metadata of the last flush, and the raw chunks written meanwhile
 * go to new space past it (or, for the last partly filled chunk, rewrite
 * rows the old metadata does not count). (2) The default (earliest) file
 * format: a superblock older than v3 carries no "open for write" flags, so a
 * killed writer leaves a file that plain h5py opens, unlike SWMR.
 */
H5::FileAccPropList crash_safe_access()
{
    H5::FileAccPropList fapl;
    H5AC_cache_config_t cfg;
    cfg.version = H5AC__CURR_CACHE_CONFIG_VERSION;
    H5Pget_mdc_config(fapl.getId(), &cfg);
    cfg.evictions_enabled = false;
    cfg.incr_mode = H5C_incr__off;
    cfg.flash_incr_mode = H5C_flash_incr__off;
    cfg.decr_mode = H5C_decr__off;
    if (H5Pset_mdc_config(fapl.getId(), &cfg) < 0)
        throw H5::FileIException("crash_safe_access", "cannot configure the metadata cache");
    return fapl;
}

bool file_exists(const std::string& path) { return std::ifstream(path).good(); }

} // namespace

struct dataset_writer::impl {
    std::string path;
    dataset_info info;
    writer_options opts;
    H5::H5File file;
    H5::DataSet x, y, z, snr, ctime, cid, cfreq, sest;
    size_t n = 0;
    size_t n_flushed = 0;
    uint64_t unflushed_bytes = 0; // appended since the last flush
    uint64_t flushed_size = 0;    // file size after the last flush (HDF5's end of file then)
    bool open = false;
    bool broken = false; // a write failed: the file was cut back and is closed to appends

    [[noreturn]] void fail(const std::string& problem) const
    {
        throw input_error(path, problem);
    }

    size_t chunk_rows() const
    {
        if (opts.chunk_frames)
            return opts.chunk_frames;
        return std::max<size_t>(1, (size_t(1) << 20) / (info.frame_length * 8));
    }

    // grow_inner: the inner dimensions may grow too (Y gains a column per new class).
    H5::DataSet make_extensible(const char* name,
                                const H5::DataType& type,
                                std::vector<hsize_t> inner,
                                bool grow_inner = false)
    {
        std::vector<hsize_t> dims{ 0 }, maxdims{ H5S_UNLIMITED },
            chunk{ static_cast<hsize_t>(chunk_rows()) };
        for (hsize_t dim : inner) {
            dims.push_back(dim);
            maxdims.push_back(grow_inner ? H5S_UNLIMITED : dim);
            chunk.push_back(dim);
        }
        H5::DataSpace sp(static_cast<int>(dims.size()), dims.data(), maxdims.data());
        H5::DSetCreatPropList p;
        p.setChunk(static_cast<int>(chunk.size()), chunk.data());
        // No modification times: nothing in an object header changes but its extent.
        H5Pset_obj_track_times(p.getId(), false);
        return file.createDataSet(name, type, sp, p);
    }

    std::vector<H5::DataSet*> datasets()
    {
        std::vector<H5::DataSet*> all{ &x, &y, &z, &snr };
        if (opts.frame_metadata) {
            all.push_back(&ctime);
            all.push_back(&cid);
        }
        if (opts.radio_metadata) {
            all.push_back(&cfreq);
            all.push_back(&sest);
        }
        return all;
    }

    static std::vector<hsize_t> dims_of(const H5::DataSet& ds,
                                        std::vector<hsize_t>* maxdims = nullptr)
    {
        H5::DataSpace sp = ds.getSpace();
        std::vector<hsize_t> dims(sp.getSimpleExtentNdims()), mx(dims.size());
        sp.getSimpleExtentDims(dims.data(), mx.data());
        if (maxdims)
            *maxdims = mx;
        return dims;
    }

    //! Sets the row count of a dataset, keeping its inner dimensions.
    static void set_rows(H5::DataSet& ds, size_t rows)
    {
        auto dims = dims_of(ds);
        dims[0] = rows;
        ds.extend(dims.data());
    }

    template <typename T>
    void append_rows(H5::DataSet& ds,
                     const H5::PredType& memtype,
                     const T* data,
                     size_t rows,
                     std::vector<hsize_t> inner)
    {
        std::vector<hsize_t> newdims{ n + rows }, off{ n }, cnt{ rows };
        for (hsize_t dim : inner) {
            newdims.push_back(dim);
            off.push_back(0);
            cnt.push_back(dim);
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
        if (opts.radio_metadata &&
            (b.center_freq.size() != b.size() || b.snr_estimated.size() != b.size()))
            fail("this dataset keeps radio metadata: every frame needs a centre "
                 "frequency and an SNR-estimated flag");
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

    void write_attributes()
    {
        h5::write_string_attr(file, h5::A_FORMAT, h5::FORMAT_VERSION);
        h5::write_string_list_attr(file, h5::A_CLASSES, info.classes);
        h5::write_double_attr(file, h5::A_SAMPLE_RATE, info.sample_rate);
        h5::write_double_attr(file, h5::A_CENTER_FREQ, info.center_freq);
        h5::write_string_attr(file, h5::A_SOURCE, info.source);
        h5::write_string_attr(
            file, h5::A_NORMALISATION, info.normalisation.empty() ? "unknown" : info.normalisation);
        h5::write_string_attr(file, h5::A_GENERATOR, info.generator);
        h5::write_string_attr(file, h5::A_DESCRIPTION, info.description);
        if (!info.capture.empty())
            h5::write_string_attr(file, h5::A_CAPTURE, info.capture);
    }

    void create()
    {
        file = H5::H5File(path, H5F_ACC_TRUNC, H5::FileCreatPropList::DEFAULT, crash_safe_access());
        const size_t L = info.frame_length, C = info.classes.size();
        x = make_extensible(h5::X, H5::PredType::IEEE_F32LE, { L, 2 });
        y = make_extensible(h5::Y, H5::PredType::STD_I64LE, { C }, true);
        z = make_extensible(h5::Z, H5::PredType::STD_I64LE, { 1 });
        snr = make_extensible(h5::SNR_DB, H5::PredType::IEEE_F32LE, {});
        create_optional();
        write_attributes();
    }

    //! Creates the optional datasets the options ask for and the file lacks.
    void create_optional()
    {
        auto ensure = [&](H5::DataSet& ds, const char* name, const H5::PredType& t) {
            if (file.nameExists(name)) {
                ds = file.openDataSet(name);
                return;
            }
            ds = make_extensible(name, t, {});
            set_rows(ds, n); // earlier frames read the fill value, 0
        };
        if (opts.frame_metadata) {
            ensure(ctime, h5::CAPTURE_TIME, H5::PredType::IEEE_F64LE);
            ensure(cid, h5::CAPTURE_ID, H5::PredType::STD_I64LE);
        }
        if (opts.radio_metadata) {
            ensure(cfreq, h5::CENTER_FREQ, H5::PredType::IEEE_F64LE);
            ensure(sest, h5::SNR_ESTIMATED, H5::PredType::STD_U8LE);
        }
    }

    void open_for_append(const dataset_info& wanted)
    {
        {
            dataset_reader existing(path); // validates the whole structure first
            info = existing.info();
            n = existing.size();
            // A file that has the metadata keeps getting it, so lengths stay equal.
            opts.frame_metadata = opts.frame_metadata || existing.has_frame_metadata();
            opts.radio_metadata = opts.radio_metadata || existing.has_radio_metadata();
        }
        if (info.frame_length != wanted.frame_length)
            fail("cannot append frames of length " + std::to_string(wanted.frame_length) +
                 " to a dataset of length " + std::to_string(info.frame_length));
        file.openFile(path, H5F_ACC_RDWR, crash_safe_access());
        x = file.openDataSet(h5::X);
        y = file.openDataSet(h5::Y);
        z = file.openDataSet(h5::Z);
        for (H5::DataSet* ds : { &x, &y, &z }) {
            std::vector<hsize_t> mx;
            dims_of(*ds, &mx);
            if (mx[0] != H5S_UNLIMITED)
                fail("its datasets have a fixed number of rows, so frames cannot be "
                     "appended (write a new file, or amr subset it into one)");
        }
        if (!file.nameExists(h5::SNR_DB))
            fail("it has no 'snr_db' dataset; only files written by this module can be "
                 "appended to");
        snr = file.openDataSet(h5::SNR_DB);
        create_optional();
        for (const auto& c : wanted.classes)
            add_class(c);
        if (info.sample_rate == 0 && wanted.sample_rate != 0)
            h5::write_double_attr(file, h5::A_SAMPLE_RATE, info.sample_rate = wanted.sample_rate);
        if (info.center_freq == 0 && wanted.center_freq != 0)
            h5::write_double_attr(file, h5::A_CENTER_FREQ, info.center_freq = wanted.center_freq);
        n_flushed = n;
    }

    int add_class(const std::string& name)
    {
        for (size_t i = 0; i < info.classes.size(); i++)
            if (info.classes[i] == name)
                return static_cast<int>(i);
        if (name.empty())
            fail("class names must be non-empty");
        std::vector<hsize_t> mx;
        auto dims = dims_of(y, &mx);
        if (mx[1] != H5S_UNLIMITED)
            fail("its class list cannot grow (Y has a fixed width; the file was written "
                 "by an older version): cannot add class '" + name + "'");
        dims[1] = info.classes.size() + 1;
        y.extend(dims.data());
        info.classes.push_back(name);
        h5::write_string_list_attr(file, h5::A_CLASSES, info.classes);
        return static_cast<int>(info.classes.size() - 1);
    }

    void write(const frame_block& b)
    {
        const size_t m = b.size(), C = info.classes.size(), L = info.frame_length;
        std::vector<int64_t> onehot(m * C, 0), zr(m);
        for (size_t i = 0; i < m; i++) {
            onehot[i * C + b.labels[i]] = 1;
            zr[i] = static_cast<int64_t>(std::lround(b.snr_db[i]));
        }
        append_rows(x, H5::PredType::NATIVE_FLOAT, b.iq.data(), m, { L, 2 });
        append_rows(y, H5::PredType::NATIVE_INT64, onehot.data(), m, { C });
        append_rows(z, H5::PredType::NATIVE_INT64, zr.data(), m, { 1 });
        append_rows(snr, H5::PredType::NATIVE_FLOAT, b.snr_db.data(), m, {});
        if (opts.frame_metadata) {
            append_rows(ctime, H5::PredType::NATIVE_DOUBLE, b.capture_time.data(), m, {});
            append_rows(cid, H5::PredType::NATIVE_INT64, b.capture_id.data(), m, {});
        }
        if (opts.radio_metadata) {
            append_rows(cfreq, H5::PredType::NATIVE_DOUBLE, b.center_freq.data(), m, {});
            append_rows(sest, H5::PredType::NATIVE_UINT8, b.snr_estimated.data(), m, {});
        }
    }

    /*
     * Reserves the disk space the next append can take before HDF5 writes
     * any of it. HDF5 cannot undo a half-done append: on a full disk its
     * close would record an end of file past the real one and the file would
     * not open again. So a full disk must be met here, where nothing has
     * changed. Room: the frames, one new chunk per dataset, and metadata.
     */
    /*
     * After a flush: the file back to HDF5's end of allocation. HDF5 does not
     * know about the space reserve_space() added and would leave it as a
     * zero tail (and a cut-off file could then pass for a whole one).
     */
    void note_flushed_size()
    {
        haddr_t eoa = 0;
        if (H5Fget_eoa(file.getId(), &eoa) >= 0) {
            std::error_code ec;
            if (std::filesystem::file_size(path, ec) > eoa && !ec)
                std::filesystem::resize_file(path, eoa, ec);
        }
        flushed_size = eoa;
        unflushed_bytes = 0;
    }

    void reserve_space(size_t frames)
    {
        const uint64_t row = info.frame_length * 8 + info.classes.size() * 8 + 40;
        const uint64_t end = flushed_size + unflushed_bytes + frames * row +
                             2 * chunk_rows() * row + (uint64_t(1) << 20);
        std::error_code ec;
        const uint64_t size = std::filesystem::file_size(path, ec);
        if (ec || size >= end)
            return;
        int fd = ::open(path.c_str(), O_WRONLY);
        int err = fd < 0 ? errno : ::posix_fallocate(fd, off_t(size), off_t(end - size));
        if (fd >= 0)
            ::close(fd);
        if (err)
            fail("no room for " + std::to_string(frames) +
                 " more frames (disk full or file-size limit: " + std::strerror(err) +
                 "); the file keeps the " + std::to_string(n_flushed) +
                 " frames flushed before");
    }

    /*
     * After a failed write: every dataset back to the rows of the last flush,
     * then a flush. Cutting back only rewrites metadata in place, which works
     * on a full disk; the file then holds exactly the flushed frames.
     */
    void cut_back()
    {
        broken = true;
        n = n_flushed;
        try {
            for (H5::DataSet* ds : datasets())
                set_rows(*ds, n_flushed);
            file.flush(H5F_SCOPE_LOCAL);
        } catch (const H5::Exception&) {
            // The flushed state on disk is still intact: nothing more to do.
        }
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
    if (info.classes.empty() && !(opts.append && file_exists(path)))
        d->fail("a dataset needs at least one class name");
    std::set<std::string> seen;
    for (const auto& c : info.classes)
        if (c.empty() || !seen.insert(c).second)
            d->fail("class names must be non-empty and unique ('" + c + "')");
    const bool append = opts.append && file_exists(path);
    if (!append && !opts.overwrite && file_exists(path))
        d->fail("file exists (use --force / overwrite to replace it)");

    h5::silence_library_errors();
    lock_t lock(h5::library_mutex());
    try {
        if (append)
            d->open_for_append(info);
        else
            d->create();
        d->file.flush(H5F_SCOPE_LOCAL);
        d->note_flushed_size();
        d->open = true;
    } catch (const H5::Exception& e) {
        d->fail(std::string(append ? "cannot open dataset file for appending ("
                                   : "cannot create dataset file (") +
                e.getDetailMsg() + ")");
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
    if (d->broken)
        d->fail("an earlier write failed; the file holds the " + std::to_string(d->n) +
                " frames flushed before it");
    d->validate(b);
    if (b.size() == 0)
        return;
    lock_t lock(h5::library_mutex());
    d->reserve_space(b.size());
    try {
        d->write(b);
        d->unflushed_bytes += b.size() * frame_bytes();
    } catch (const H5::Exception& e) {
        d->cut_back();
        d->fail("writing " + std::to_string(b.size()) + " frames failed (disk full or "
                "file not writable?); the file keeps the " + std::to_string(d->n) +
                " frames flushed before (" + e.getDetailMsg() + ")");
    }
    d->n += b.size();
}

void dataset_writer::flush()
{
    if (!d->open || d->broken)
        return;
    lock_t lock(h5::library_mutex());
    try {
        d->file.flush(H5F_SCOPE_LOCAL);
    } catch (const H5::Exception& e) {
        d->cut_back();
        d->fail("flush failed (disk full?); the file keeps the " + std::to_string(d->n) +
                " frames flushed before (" + e.getDetailMsg() + ")");
    }
    d->n_flushed = d->n;
    d->note_flushed_size();
}

int dataset_writer::add_class(const std::string& name)
{
    if (!d->open || d->broken)
        d->fail("dataset is closed");
    lock_t lock(h5::library_mutex());
    try {
        return d->add_class(name);
    } catch (const H5::Exception& e) {
        d->fail("adding class '" + name + "' failed (" + e.getDetailMsg() + ")");
    }
}

void dataset_writer::set_radio(double sample_rate, double center_freq)
{
    if (!d->open || d->broken)
        d->fail("dataset is closed");
    if (sample_rate == d->info.sample_rate && center_freq == d->info.center_freq)
        return;
    lock_t lock(h5::library_mutex());
    try {
        h5::write_double_attr(d->file, h5::A_SAMPLE_RATE, d->info.sample_rate = sample_rate);
        h5::write_double_attr(d->file, h5::A_CENTER_FREQ, d->info.center_freq = center_freq);
    } catch (const H5::Exception& e) {
        d->fail("updating the radio attributes failed (" + e.getDetailMsg() + ")");
    }
}

void dataset_writer::close()
{
    if (!d->open)
        return;
    d->open = false;
    lock_t lock(h5::library_mutex());
    try {
        if (!d->broken) {
            d->file.flush(H5F_SCOPE_LOCAL);
            d->n_flushed = d->n;
            d->note_flushed_size();
        }
        for (H5::DataSet* ds : d->datasets())
            ds->close();
        d->file.close();
    } catch (const H5::Exception& e) {
        if (!d->broken) {
            d->cut_back();
            d->fail("closing the file failed (disk full?) (" + e.getDetailMsg() + ")");
        }
    }
}

size_t dataset_writer::size() const { return d->n; }
size_t dataset_writer::flushed() const { return d->n_flushed; }
uint64_t dataset_writer::frame_bytes() const
{
    return d->info.frame_length * 2 * 4 + d->info.classes.size() * 8 + 8 + 4 +
           (d->opts.frame_metadata ? 16 : 0) + (d->opts.radio_metadata ? 9 : 0);
}
const dataset_info& dataset_writer::info() const { return d->info; }
const std::string& dataset_writer::path() const { return d->path; }

} // namespace amrcompress
} // namespace gr
