/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../util/utf8.h"
#include "hdf5_layout.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/dataset_writer.h>
#include <gnuradio/amrcompress/error.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

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
        throw H5::FileIException("crash_safe_access",
                                 "cannot configure the metadata cache");
    return fapl;
}

bool file_exists(const std::string& path) { return std::ifstream(path).good(); }

// The capture layout's datasets are read and written without a chunk cache:
// a write reaches the file in H5Dwrite, so a full disk fails there, before
// a flush could record rows whose data never arrived.
H5::DSetAccPropList uncached_access()
{
    H5::DSetAccPropList dapl;
    H5Pset_chunk_cache(dapl.getId(), 0, 0, 1.0);
    return dapl;
}

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
    uint64_t flushed_size = 0; // file size after the last flush (HDF5's end of file then)
    bool open = false;
    bool broken = false; // a write failed: the file was cut back and is closed to appends
    bool capture = false; // the capture layout (opts.capacity)
    bool staged =
        false; // capture file still named PATH.part (its chunks not yet on disk)

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

    std::string staged_path() const { return path + ".part"; }
    std::string open_path() const { return staged ? staged_path() : path; }

    /*
     * Capture layout: one chunk of `capacity` rows, created without a link so
     * that the object headers of all datasets are allocated side by side (the
     * links, created afterwards, would otherwise put the group's symbol table
     * between them): one flush then writes all extents in one block.
     */
    hid_t make_capture_dataset(const H5::DataType& type, std::vector<hsize_t> inner)
    {
        std::vector<hsize_t> dims{ 0 }, maxdims{ opts.capacity }, chunk{ opts.capacity };
        for (hsize_t dim : inner) {
            dims.push_back(dim);
            maxdims.push_back(dim);
            chunk.push_back(dim);
        }
        H5::DataSpace sp(static_cast<int>(dims.size()), dims.data(), maxdims.data());
        H5::DSetCreatPropList p;
        p.setChunk(static_cast<int>(chunk.size()), chunk.data());
        H5Pset_obj_track_times(p.getId(), false);
        H5Pset_fill_time(p.getId(),
                         H5D_FILL_TIME_NEVER); // sparse chunks: nothing written ahead
        hid_t id = H5Dcreate_anon(
            file.getId(), type.getId(), sp.getId(), p.getId(), H5P_DEFAULT);
        if (id < 0)
            throw H5::DataSetIException("make_capture_dataset", "H5Dcreate_anon failed");
        return id;
    }

    //! The datasets this file holds, with their names, types and inner shapes.
    struct slot {
        const char* name;
        H5::PredType type;
        std::vector<hsize_t> inner;
        H5::DataSet* ds;
    };
    std::vector<slot> slots()
    {
        const size_t L = info.frame_length, C = info.classes.size();
        std::vector<slot> all = { { h5::X, H5::PredType::IEEE_F32LE, { L, 2 }, &x },
                                  { h5::Y, H5::PredType::STD_I64LE, { C }, &y },
                                  { h5::Z, H5::PredType::STD_I64LE, { 1 }, &z },
                                  { h5::SNR_DB, H5::PredType::IEEE_F32LE, {}, &snr } };
        if (opts.frame_metadata) {
            all.push_back({ h5::CAPTURE_TIME, H5::PredType::IEEE_F64LE, {}, &ctime });
            all.push_back({ h5::CAPTURE_ID, H5::PredType::STD_I64LE, {}, &cid });
        }
        if (opts.radio_metadata) {
            all.push_back({ h5::CENTER_FREQ, H5::PredType::IEEE_F64LE, {}, &cfreq });
            all.push_back({ h5::SNR_ESTIMATED, H5::PredType::STD_U8LE, {}, &sest });
        }
        return all;
    }

    void create_capture_layout()
    {
        const std::vector<slot> specs = slots();
        std::vector<hid_t> ids;
        for (const auto& sp : specs)
            ids.push_back(make_capture_dataset(sp.type, sp.inner));
        for (size_t i = 0; i < specs.size(); i++) {
            const herr_t linked =
                H5Olink(ids[i], file.getId(), specs[i].name, H5P_DEFAULT, H5P_DEFAULT);
            H5Dclose(ids[i]);
            if (linked < 0)
                throw H5::DataSetIException("create_capture_layout", "H5Olink failed");
            *specs[i].ds = file.openDataSet(specs[i].name, uncached_access());
        }
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
        std::vector<H5::DataSet*> all;
        for (const auto& sl : slots())
            all.push_back(sl.ds);
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
        h5::write_string_attr(file,
                              h5::A_NORMALISATION,
                              info.normalisation.empty() ? "unknown"
                                                         : info.normalisation);
        h5::write_string_attr(file, h5::A_GENERATOR, info.generator);
        h5::write_string_attr(file, h5::A_DESCRIPTION, info.description);
        if (!info.capture.empty())
            h5::write_string_attr(file, h5::A_CAPTURE, info.capture);
    }

    void create()
    {
        capture = opts.capacity > 0;
        staged = capture;
        if (staged)
            std::remove(staged_path().c_str()); // a capture killed before its first flush
        file = H5::H5File(open_path(),
                          H5F_ACC_TRUNC,
                          H5::FileCreatPropList::DEFAULT,
                          crash_safe_access());
        if (capture) {
            create_capture_layout();
        } else {
            for (const auto& sl : slots()) // Y's width grows with the class list
                *sl.ds = make_extensible(sl.name, sl.type, sl.inner, sl.ds == &y);
        }
        write_attributes();
    }

    /*
     * Closes the file. HDF5 may fail to (a full disk refuses its last
     * metadata writes); the C++ wrapper would then close the same id again in
     * its destructor, which crashes inside HDF5. So the wrapper only drops its
     * own reference, and the real close is ours: a failed one leaves a leaked
     * id, not a second close.
     */
    void close_file()
    {
        for (H5::DataSet* ds : datasets())
            ds->close();
        const hid_t fid = file.getId();
        H5Iinc_ref(fid);
        file.close();
        if (H5Fclose(fid) < 0)
            throw H5::FileIException("close_file", "H5Fclose failed");
    }

    //! Closes the file and creates it again with the current info (nothing flushed yet).
    void recreate()
    {
        close_file();
        n = n_flushed = 0;
        create();
        file.flush(H5F_SCOPE_LOCAL);
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
        bool had_meta, had_radio;
        {
            dataset_reader existing(path); // validates the whole structure first
            info = existing.info();
            n = existing.size();
            had_meta = existing.has_frame_metadata();
            had_radio = existing.has_radio_metadata();
        }
        if (info.frame_length != wanted.frame_length)
            fail("cannot append frames of length " + std::to_string(wanted.frame_length) +
                 " to a dataset of length " + std::to_string(info.frame_length));
        file.openFile(path, H5F_ACC_RDWR, crash_safe_access());
        x = file.openDataSet(h5::X);
        std::vector<hsize_t> mx;
        dims_of(x, &mx);
        hsize_t chunk[3] = { 0, 0, 0 };
        x.getCreatePlist().getChunk(3, chunk);
        capture = mx[0] != H5S_UNLIMITED && chunk[0] == mx[0];
        if (opts.capacity && !capture)
            fail("it was not written by a capture (its datasets are not in the capture "
                 "layout), so appending could not be made safe against a kill; capture "
                 "into "
                 "a new file, or overwrite this one");
        if (capture) {
            opts.capacity = mx[0];
            if (!had_meta || !had_radio)
                fail("a capture file without its per-frame metadata cannot be appended "
                     "to");
            opts.frame_metadata = opts.radio_metadata = true;
            if (n == 0) { // never flushed frames: start it afresh, staged
                x.close();
                file.close();
                create();
                return;
            }
            for (const auto& sl : slots())
                *sl.ds = file.openDataSet(sl.name, uncached_access());
            n_flushed = n;
            return; // its class list is fixed: the caller handles new classes
        }
        // A file that has the metadata keeps getting it, so lengths stay equal.
        opts.frame_metadata = opts.frame_metadata || had_meta;
        opts.radio_metadata = opts.radio_metadata || had_radio;
        y = file.openDataSet(h5::Y);
        z = file.openDataSet(h5::Z);
        for (H5::DataSet* ds : { &x, &y, &z }) {
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
            h5::write_double_attr(
                file, h5::A_SAMPLE_RATE, info.sample_rate = wanted.sample_rate);
        if (info.center_freq == 0 && wanted.center_freq != 0)
            h5::write_double_attr(
                file, h5::A_CENTER_FREQ, info.center_freq = wanted.center_freq);
        n_flushed = n;
    }

    int add_class(const std::string& name)
    {
        for (size_t i = 0; i < info.classes.size(); i++)
            if (info.classes[i] == name)
                return static_cast<int>(i);
        if (name.empty())
            fail("class names must be non-empty");
        if (capture) {
            if (!staged || n > 0)
                fail("the class list of a capture file is fixed once it holds frames: "
                     "cannot add class '" +
                     name + "' (capture into a new file)");
            info.classes.push_back(name);
            recreate();
            return static_cast<int>(info.classes.size() - 1);
        }
        std::vector<hsize_t> mx;
        auto dims = dims_of(y, &mx);
        if (mx[1] != H5S_UNLIMITED)
            fail("its class list cannot grow (Y has a fixed width; the file was written "
                 "by an older version): cannot add class '" +
                 name + "'");
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
     * After a flush: the file back to HDF5's end of allocation. HDF5 does not
     * know about the space reserve_space() added and would leave it as a
     * zero tail (and a cut-off file could then pass for a whole one).
     */
    void note_flushed_size()
    {
        haddr_t eoa = 0;
        if (H5Fget_eoa(file.getId(), &eoa) >= 0) {
            std::error_code ec;
            if (std::filesystem::file_size(open_path(), ec) > eoa && !ec)
                std::filesystem::resize_file(open_path(), eoa, ec);
        }
        flushed_size = eoa;
        unflushed_bytes = 0;
    }

    /*
     * A staged capture file takes its name once a flush has written its
     * chunks (or at close): from then on every flush is one metadata write.
     */
    void publish(bool closing)
    {
        if (!staged || (n == 0 && !closing))
            return;
        std::error_code ec;
        std::filesystem::rename(staged_path(), path, ec);
        if (ec)
            fail("cannot rename " + staged_path() + " to its name (" + ec.message() +
                 ")");
        staged = false;
    }

    /*
     * Default layout only: reserves the disk space the next append and its
     * flush can take (the frames, one new chunk per dataset, metadata)
     * before HDF5 writes any of it. A flush of this layout writes new blocks
     * (chunks, index nodes); a full disk met in the middle of one would leave
     * the file torn, so it must be met here, where nothing has changed.
     */
    void reserve_space(size_t frames)
    {
        if (capture) // its chunks are allocated once; a full disk fails in H5Dwrite
            return;
        const uint64_t row = info.frame_length * 8 + info.classes.size() * 8 + 40;
        const uint64_t end = flushed_size + unflushed_bytes + frames * row +
                             2 * chunk_rows() * row + (uint64_t(1) << 20);
        std::error_code ec;
        const uint64_t size = std::filesystem::file_size(open_path(), ec);
        if (ec || size >= end)
            return;
        int fd = ::open(open_path().c_str(), O_WRONLY);
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
     * After a failed write or flush: nothing more may reach the file, whose
     * disk state is that of the last flush (metadata is written only by
     * flushes; raw data written since lies past the rows it counts). HDF5
     * still holds unwritten changes and would write them when the file is
     * closed, or fail to, which its 1.10 close does not survive. So its file
     * descriptor is pointed at an in-memory file of the same size: the close
     * goes there (with the metadata cache never evicting, HDF5 needs no reads
     * from it), and the file on disk keeps exactly the flushed frames.
     */
    void abandon()
    {
        broken = true;
        n = n_flushed;
        void* handle = nullptr;
        if (H5Fget_vfd_handle(file.getId(), H5P_DEFAULT, &handle) < 0 || !handle)
            return;
        const int fd = *static_cast<int*>(handle);
        const int scratch = ::memfd_create("amr-abandoned-dataset", 0);
        if (scratch < 0)
            return;
        struct stat st;
        if (::fstat(fd, &st) == 0 && ::ftruncate(scratch, st.st_size) == 0)
            ::dup2(scratch, fd);
        ::close(scratch);
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
        if (c.empty() || !seen.insert(c).second || !is_valid_utf8(c))
            d->fail("class names must be non-empty, unique and valid UTF-8 ('" + c +
                    "')");
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
    lock_t lock(h5::library_mutex()); // HDF5 handles die here too
    d.reset();
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
        d->abandon();
        d->fail("writing " + std::to_string(b.size()) +
                " frames failed (disk full or "
                "file not writable?); the file keeps the " +
                std::to_string(d->n) + " frames flushed before (" + e.getDetailMsg() +
                ")");
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
        d->abandon();
        d->fail("flush failed (disk full?); the file keeps the " + std::to_string(d->n) +
                " frames flushed before (" + e.getDetailMsg() + ")");
    }
    d->n_flushed = d->n;
    d->publish(false);
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
        h5::write_double_attr(
            d->file, h5::A_SAMPLE_RATE, d->info.sample_rate = sample_rate);
        h5::write_double_attr(
            d->file, h5::A_CENTER_FREQ, d->info.center_freq = center_freq);
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
        d->close_file();
        if (!d->broken)
            d->publish(true);
    } catch (const H5::Exception& e) {
        if (!d->broken) {
            d->abandon();
            try {
                d->close_file(); // into the in-memory file now: cannot fail for space
            } catch (const H5::Exception&) {
                // The id stays open until the process ends; the disk file is as flushed.
            }
            d->fail("closing the file failed (disk full?); it keeps the " +
                    std::to_string(d->n_flushed) + " frames flushed before (" +
                    e.getDetailMsg() + ")");
        }
    }
}

size_t dataset_writer::size() const { return d->n; }
size_t dataset_writer::flushed() const { return d->n_flushed; }
size_t dataset_writer::capacity() const { return d->opts.capacity; }
bool dataset_writer::classes_fixed() const
{
    return d->capture && (!d->staged || d->n > 0);
}
uint64_t dataset_writer::frame_bytes() const
{
    return frame_bytes(d->info.frame_length, d->info.classes.size(), d->opts);
}
uint64_t
dataset_writer::frame_bytes(size_t frame_length, size_t classes, const writer_options& o)
{
    return frame_length * 2 * 4 + classes * 8 + 8 + 4 + (o.frame_metadata ? 16 : 0) +
           (o.radio_metadata ? 9 : 0);
}
const dataset_info& dataset_writer::info() const { return d->info; }
const std::string& dataset_writer::path() const { return d->path; }

} // namespace amrcompress
} // namespace gr
