/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../util/input_file.h"
#include "../util/read_ahead.h"
#include "../util/utf8.h"
#include "hdf5_guard.h"
#include "hdf5_layout.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <numeric>
#include <set>

namespace gr {
namespace amrcompress {

using lock_t = std::lock_guard<std::recursive_mutex>;

struct dataset_reader::impl {
    std::string path;
    H5::H5File file;
    H5::DataSet x;
    dataset_info info;
    size_t n = 0;
    std::vector<int32_t> labels;
    std::vector<float> snr;
    std::vector<double> capture_time;
    std::vector<int64_t> capture_id;
    bool has_meta = false;
    std::vector<double> center_freq;
    std::vector<uint8_t> snr_estimated;
    bool has_radio = false;
    size_t chunk_rows = 0; // frames per chunk of X; 0: not chunked
    // The file as it was opened. libhdf5 reads a truncated region as zeros
    // and cannot know that a writer has moved its metadata since, so reads
    // are trusted only while the file stays as it was (check_unchanged).
    int fd = -1;
    struct stat opened {
    };

    [[noreturn]] void fail(const std::string& problem) const
    {
        throw input_error(path, problem);
    }

    std::vector<hsize_t> dims_of(const H5::DataSet& ds) const
    {
        H5::DataSpace sp = ds.getSpace();
        int rank = sp.getSimpleExtentNdims();
        std::vector<hsize_t> dims(rank);
        sp.getSimpleExtentDims(dims.data());
        return dims;
    }

    H5::DataSet open_required(const char* name) const
    {
        if (!file.nameExists(name))
            fail(std::string("missing dataset '") + name +
                 "' (expected the RML2018.01a layout: X float32 [N, L, 2], "
                 "Y one-hot [N, C], Z SNR [N, 1])");
        return file.openDataSet(name);
    }

    void open_and_validate(uint64_t file_bytes)
    {
        x = open_required(h5::X);
        H5::DataSet y = open_required(h5::Y);
        H5::DataSet z = open_required(h5::Z);

        auto xd = dims_of(x);
        if (xd.size() != 3 || xd[2] != 2 || xd[1] == 0)
            fail("X has shape " + shape_str(xd) + ", expected [N, L, 2] with L > 0");
        if (x.getTypeClass() != H5T_FLOAT)
            fail("X must hold floating-point samples");
        if (xd[1] > max_frame_length)
            fail("X claims frames of " + std::to_string(xd[1]) +
                 " samples, more than the " + std::to_string(max_frame_length) +
                 " a frame can have");
        n = xd[0];
        info.frame_length = xd[1];
        check_claimed_size(x, "X", n, xd[1] * 2 * sizeof(float), file_bytes);
        {
            H5::DSetCreatPropList cp = x.getCreatePlist();
            if (cp.getLayout() == H5D_CHUNKED) {
                hsize_t c[3] = { 0, 0, 0 };
                cp.getChunk(3, c);
                chunk_rows = size_t(c[0]);
            }
        }

        auto yd = dims_of(y);
        if (yd.size() != 2 || yd[1] == 0)
            fail("Y has shape " + shape_str(yd) + ", expected one-hot [N, C]");
        if (yd[1] > max_classes)
            fail("Y claims " + std::to_string(yd[1]) + " classes, more than the " +
                 std::to_string(max_classes) + " allowed");
        if (yd[0] != n)
            fail("X has " + std::to_string(n) + " frames but Y has " +
                 std::to_string(yd[0]) + " rows");
        auto zd = dims_of(z);
        if (!((zd.size() == 2 && zd[1] == 1) || zd.size() == 1))
            fail("Z has shape " + shape_str(zd) + ", expected SNR [N, 1]");
        if (zd[0] != n)
            fail("X has " + std::to_string(n) + " frames but Z has " +
                 std::to_string(zd[0]) + " rows");

        check_claimed_size(y, "Y", n, yd[1] * y.getDataType().getSize(), file_bytes);
        check_claimed_size(z, "Z", n, z.getDataType().getSize(), file_bytes);
        read_metadata(yd[1]);
        read_labels(y, yd[1]);
        read_snr(z);
        read_frame_metadata();
        read_radio_metadata();
    }

    // Sizes a file may claim before they are believed (hostile files claim
    // 2^40 of anything to make us allocate it).
    static constexpr hsize_t max_frame_length = hsize_t(1) << 24;
    static constexpr hsize_t max_classes = hsize_t(1) << 16;

    /*
     * A dataset's claimed extent against what the file can hold: rows x
     * row_bytes must fit in 64 bits, an unfiltered dataset must have its
     * bytes allocated (frames never written read back as zeros, silently),
     * and a compressed one cannot claim more than 1000x the file's size (IQ
     * samples do not compress by three orders of magnitude).
     */
    void check_claimed_size(const H5::DataSet& ds,
                            const char* name,
                            hsize_t rows,
                            hsize_t row_bytes,
                            uint64_t file_bytes) const
    {
        hsize_t claimed = 0;
        if (__builtin_mul_overflow(rows, row_bytes, &claimed))
            fail(std::string(name) + " claims " + std::to_string(rows) +
                 " frames, whose size overflows 64 bits");
        H5::DSetCreatPropList cp = ds.getCreatePlist();
        // External raw files and virtual datasets point outside this file
        // (at /dev/zero, or any file the reader may read): not a dataset's.
        const H5D_layout_t layout = cp.getLayout();
        if (layout == H5D_VIRTUAL || cp.getExternalCount() > 0)
            fail(std::string(name) +
                 " keeps its data outside the file (external storage or a virtual "
                 "dataset): refused");
        const bool filtered = cp.getNfilters() > 0;
        const hsize_t stored = ds.getStorageSize();
        if (!filtered && stored < claimed)
            fail(std::string(name) + " claims " + std::to_string(rows) + " frames (" +
                 std::to_string(claimed) + " bytes) but the file stores only " +
                 std::to_string(stored) +
                 " bytes of it: the file is truncated or its frames were never written");
        if (filtered && claimed / 1000 > file_bytes)
            fail(std::string(name) + " claims " + std::to_string(rows) + " frames (" +
                 std::to_string(claimed) + " bytes), impossible in a file of " +
                 std::to_string(file_bytes) + " bytes");
    }

    /*
     * What the checking subprocess does beyond opening: touch X's storage at
     * both ends and at a few points between (the chunk index and, for small
     * files, every chunk), so a corrupt B-tree crashes the child, not us.
     */
    void touch_frames(uint64_t file_bytes) const
    {
        if (n == 0)
            return;
        const size_t L2 = info.frame_length * 2;
        std::vector<float> buf;
        auto read_some = [&](size_t first, size_t count) {
            buf.resize(count * L2);
            hsize_t off[3] = { first, 0, 0 }, cnt[3] = { count, info.frame_length, 2 };
            H5::DataSpace fs = x.getSpace();
            fs.selectHyperslab(H5S_SELECT_SET, cnt, off);
            H5::DataSpace ms(3, cnt);
            x.read(buf.data(), H5::PredType::NATIVE_FLOAT, ms, fs);
        };
        constexpr uint64_t read_all_below = 64u << 20;
        if (file_bytes <= read_all_below) {
            const size_t step = std::max<size_t>(1, (4u << 20) / (L2 * sizeof(float)));
            for (size_t first = 0; first < n; first += step)
                read_some(first, std::min(step, n - first));
            return;
        }
        constexpr size_t points = 17;
        for (size_t k = 0; k < points; k++)
            read_some(std::min(n - 1, k * (n - 1) / (points - 1)), 1);
    }

    static std::string shape_str(const std::vector<hsize_t>& d)
    {
        std::string s = "[";
        for (size_t i = 0; i < d.size(); i++)
            s += (i ? ", " : "") + std::to_string(d[i]);
        return s + "]";
    }

    void read_metadata(size_t n_classes)
    {
        if (h5::has_attr(file, h5::A_CLASSES)) {
            if (file.openAttribute(h5::A_CLASSES).getTypeClass() != H5T_STRING)
                fail(
                    "the 'classes' attribute is not a list of strings (the class names)");
            info.classes = h5::read_string_list_attr(file, h5::A_CLASSES);
        } else if (n_classes == rml2018_classes().size()) {
            info.classes = rml2018_classes();
            info.source = "RML2018.01a layout without class names (documented order)";
        } else if (n_classes == rml2016_classes().size()) {
            info.classes = rml2016_classes();
            info.source = "RML2016.10a class order assumed (no class names in file)";
        } else {
            fail("no 'classes' attribute and Y width " + std::to_string(n_classes) +
                 " matches no known dataset; add the class names as a 'classes' "
                 "string attribute");
        }
        if (info.classes.size() != n_classes)
            fail("'classes' attribute names " + std::to_string(info.classes.size()) +
                 " classes but Y has " + std::to_string(n_classes) + " columns");
        std::set<std::string> seen;
        for (const auto& c : info.classes) {
            if (c.empty())
                fail("'classes' attribute contains an empty class name");
            if (!is_valid_utf8(c))
                fail("'classes' attribute holds a class name that is not valid UTF-8");
            if (!seen.insert(c).second)
                fail("'classes' attribute names class '" + c + "' twice");
        }
        auto str = [&](const char* a, std::string& dst) {
            if (!h5::has_attr(file, a))
                return;
            dst = h5::read_string_attr(file, a);
            if (dst.size() > max_attribute_bytes)
                fail(std::string("the '") + a + "' attribute is " +
                     std::to_string(dst.size()) + " bytes, more than the " +
                     std::to_string(max_attribute_bytes) + " allowed");
            // It reaches JSON (amr info, SigMF) and PMTs: text, or refused here.
            if (!is_valid_utf8(dst))
                fail(std::string("the '") + a + "' attribute is not valid UTF-8 text");
        };
        auto num = [&](const char* a, double& dst) {
            if (h5::has_attr(file, a))
                dst = h5::read_double_attr(file, a);
        };
        str(h5::A_SOURCE, info.source);
        str(h5::A_NORMALISATION, info.normalisation);
        str(h5::A_GENERATOR, info.generator);
        str(h5::A_DESCRIPTION, info.description);
        str(h5::A_CAPTURE, info.capture);
        num(h5::A_SAMPLE_RATE, info.sample_rate);
        num(h5::A_CENTER_FREQ, info.center_freq);
        if (info.normalisation.empty())
            info.normalisation = "unknown";
    }

    void read_labels(const H5::DataSet& y, size_t c)
    {
        labels.resize(n);
        const size_t rows = std::max<size_t>(1, (1 << 20) / c);
        std::vector<double> buf;
        for (size_t first = 0; first < n; first += rows) {
            size_t cnt = std::min(rows, n - first);
            buf.resize(cnt * c);
            hsize_t off[2] = { first, 0 }, count[2] = { cnt, c };
            H5::DataSpace fs = y.getSpace();
            fs.selectHyperslab(H5S_SELECT_SET, count, off);
            H5::DataSpace ms(2, count);
            y.read(buf.data(), H5::PredType::NATIVE_DOUBLE, ms, fs);
            for (size_t r = 0; r < cnt; r++) {
                const double* row = buf.data() + r * c;
                size_t ones = 0, others = 0, hot = 0;
                for (size_t k = 0; k < c; k++) {
                    if (row[k] == 1.0) {
                        ones++;
                        hot = k;
                    } else if (row[k] != 0.0) {
                        others++;
                    }
                }
                if (ones != 1 || others != 0)
                    fail("Y row " + std::to_string(first + r) +
                         " is not one-hot (exactly one 1 and the rest 0)");
                labels[first + r] = static_cast<int32_t>(hot);
            }
        }
    }

    void read_snr(const H5::DataSet& z)
    {
        snr.resize(n);
        // Our files keep the unrounded SNR beside the RML2018-compatible Z.
        H5::DataSet src = z;
        if (file.nameExists(h5::SNR_DB)) {
            src = file.openDataSet(h5::SNR_DB);
            if (dims_of(src) != std::vector<hsize_t>{ n })
                fail("'snr_db' has shape " + shape_str(dims_of(src)) + ", expected [" +
                     std::to_string(n) + "]");
        }
        if (n)
            src.read(snr.data(), H5::PredType::NATIVE_FLOAT);
        for (size_t i = 0; i < n; i++)
            if (!std::isfinite(snr[i]))
                fail("SNR of frame " + std::to_string(i) + " is not a finite number");
    }

    /*
     * Two optional per-frame datasets that only come together (capture time
     * and id; centre frequency and SNR-estimated flag). False when the file
     * has neither.
     */
    template <typename A, typename B>
    bool read_optional_pair(const char* name_a,
                            const H5::PredType& type_a,
                            std::vector<A>& a,
                            const char* name_b,
                            const H5::PredType& type_b,
                            std::vector<B>& b,
                            const std::string& what)
    {
        const bool has_a = file.nameExists(name_a), has_b = file.nameExists(name_b);
        if (!has_a && !has_b)
            return false;
        if (!(has_a && has_b))
            fail(what + " needs both '" + name_a + "' and '" + name_b + "'");
        H5::DataSet da = file.openDataSet(name_a);
        H5::DataSet db = file.openDataSet(name_b);
        if (dims_of(da) != std::vector<hsize_t>{ n } ||
            dims_of(db) != std::vector<hsize_t>{ n })
            fail(what + " must have one entry per frame (" + std::to_string(n) + ")");
        a.resize(n);
        b.resize(n);
        if (n) {
            da.read(a.data(), type_a);
            db.read(b.data(), type_b);
        }
        return true;
    }

    void read_frame_metadata()
    {
        has_meta = read_optional_pair(h5::CAPTURE_TIME,
                                      H5::PredType::NATIVE_DOUBLE,
                                      capture_time,
                                      h5::CAPTURE_ID,
                                      H5::PredType::NATIVE_INT64,
                                      capture_id,
                                      "per-frame metadata");
    }

    void read_radio_metadata()
    {
        has_radio = read_optional_pair(h5::CENTER_FREQ,
                                       H5::PredType::NATIVE_DOUBLE,
                                       center_freq,
                                       h5::SNR_ESTIMATED,
                                       H5::PredType::NATIVE_UINT8,
                                       snr_estimated,
                                       "radio metadata");
    }

    static constexpr size_t max_attribute_bytes = 1u << 20;

    //! Reads frames [first, first+count) into dst (count*L*2 floats).
    //! Frames [first, first + count) into dst, checked for NaN/Inf
    //! (unless `check` is false: the caller checks what it keeps).
    void read_run(size_t first, size_t count, float* dst, bool check = true) const
    {
        const size_t L = info.frame_length;
        try {
            hsize_t off[3] = { first, 0, 0 }, cnt[3] = { count, L, 2 };
            H5::DataSpace fs = x.getSpace();
            fs.selectHyperslab(H5S_SELECT_SET, cnt, off);
            H5::DataSpace ms(3, cnt);
            x.read(dst, H5::PredType::NATIVE_FLOAT, ms, fs);
        } catch (const H5::Exception& e) {
            check_unchanged(first, count);
            fail("reading frames " + std::to_string(first) + ".." +
                 std::to_string(first + count - 1) +
                 " failed: the data is corrupt or the file is truncated (" +
                 e.getDetailMsg() + ")");
        }
        check_unchanged(first, count);
        if (check)
            for (size_t f = 0; f < count; f++)
                check_finite(first + f, dst + f * L * 2);
    }

    //! libhdf5 takes a shared lock to read; a writer holds an exclusive one.
    bool locked_by_a_writer() const
    {
        const int f = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (f < 0)
            return false;
        const bool locked = ::flock(f, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
        ::close(f);
        return locked;
    }

    //! Called after a read: frames read from a file that has since changed
    //! may be zeros (truncated) or another chunk's (metadata rewritten).
    void check_unchanged(size_t first, size_t count) const
    {
        struct stat now {
        };
        if (fd < 0 || ::fstat(fd, &now) != 0)
            return;
        const std::string frames = "frames " + std::to_string(first) + ".." +
                                   std::to_string(first + count - 1) +
                                   " cannot be trusted";
        const std::string sizes = std::to_string(opened.st_size) +
                                  " bytes when opened, " + std::to_string(now.st_size) +
                                  " now";
        if (now.st_size < opened.st_size)
            fail("the file was truncated while it was being read (" + sizes +
                 "): " + frames);
        if (now.st_size > opened.st_size)
            fail("the file grew while it was being read (" + sizes +
                 "; a capture still recording into it?): " + frames +
                 "; read it after the writer closes it, or read a copy");
        if (now.st_mtim.tv_sec != opened.st_mtim.tv_sec ||
            now.st_mtim.tv_nsec != opened.st_mtim.tv_nsec)
            fail("the file was written to while it was being read: " + frames +
                 "; read it after the writer closes it, or read a copy");
    }

    void check_finite(size_t frame, const float* iq) const
    {
        for (size_t i = 0; i < info.frame_length * 2; i++)
            if (!std::isfinite(iq[i]))
                fail("frame " + std::to_string(frame) + " contains NaN or Inf samples");
    }

    //! Opens and validates the file at path; with touch, also reads frames
    //! throughout X (the checking subprocess's extra work).
    void open(uint64_t file_bytes, bool touch)
    {
        try {
            if (!H5::H5File::isHdf5(path))
                fail("not an HDF5 file (or its header is corrupt)");
            file.openFile(path, H5F_ACC_RDONLY);
        } catch (const H5::Exception& e) {
            if (locked_by_a_writer())
                fail("another process has it open for writing (a capture still "
                     "recording?): read it after the writer closes it, or read a copy");
            fail("cannot open as HDF5: the file is truncated or corrupt (" +
                 e.getDetailMsg() + ")");
        }
        void* handle = nullptr;
        if (H5Fget_vfd_handle(file.getId(), H5P_DEFAULT, &handle) >= 0 && handle &&
            ::fstat(*static_cast<int*>(handle), &opened) == 0)
            fd = *static_cast<int*>(handle); // the default (sec2) driver's descriptor
        try {
            open_and_validate(file_bytes);
            if (touch)
                touch_frames(file_bytes);
        } catch (const H5::Exception& e) {
            fail("invalid dataset structure or corrupt metadata (" + e.getDetailMsg() +
                 ")");
        }
    }

    void fill_labels(frame_block& b, size_t idx) const
    {
        b.labels.push_back(labels[idx]);
        b.snr_db.push_back(snr[idx]);
        if (has_meta) {
            b.capture_time.push_back(capture_time[idx]);
            b.capture_id.push_back(capture_id[idx]);
        }
        if (has_radio) {
            b.center_freq.push_back(center_freq[idx]);
            b.snr_estimated.push_back(snr_estimated[idx]);
        }
    }
};


dataset_reader::dataset_reader(const std::string& path) : d(std::make_unique<impl>())
{
    d->path = path;
    const uint64_t file_bytes = require_regular_file(path, "dataset");
    h5::silence_library_errors();
    lock_t lock(h5::library_mutex());
    // libhdf5 can crash on corrupt metadata: let a child go first (hdf5_guard.h).
    h5::check_in_subprocess(
        path,
        [&] {
            impl probe;
            probe.path = path;
            probe.open(file_bytes, true);
        },
        h5::check_timeout());
    d->open(file_bytes, false);
}

dataset_reader::~dataset_reader()
{
    lock_t lock(h5::library_mutex());
    d.reset();
}

const std::string& dataset_reader::path() const { return d->path; }
const dataset_info& dataset_reader::info() const { return d->info; }
size_t dataset_reader::size() const { return d->n; }
size_t dataset_reader::chunk_frames() const { return d->chunk_rows; }
const std::vector<int32_t>& dataset_reader::labels() const { return d->labels; }
const std::vector<float>& dataset_reader::snr_db() const { return d->snr; }
bool dataset_reader::has_frame_metadata() const { return d->has_meta; }
const std::vector<double>& dataset_reader::capture_time() const
{
    return d->capture_time;
}
const std::vector<int64_t>& dataset_reader::capture_id() const { return d->capture_id; }
bool dataset_reader::has_radio_metadata() const { return d->has_radio; }
const std::vector<double>& dataset_reader::center_freq() const { return d->center_freq; }
const std::vector<uint8_t>& dataset_reader::snr_estimated() const
{
    return d->snr_estimated;
}

frame_block dataset_reader::read(size_t first, size_t count) const
{
    if (first > d->n || count > d->n - first)
        throw input_error(d->path,
                          "frame range " + std::to_string(first) + "+" +
                              std::to_string(count) + " is outside the " +
                              std::to_string(d->n) + " frames");
    frame_block b;
    b.frame_length = d->info.frame_length;
    b.iq.resize(count * b.frame_length * 2);
    b.reserve(count);
    if (count) {
        lock_t lock(h5::library_mutex());
        d->read_run(first, count, b.iq.data());
    }
    for (size_t i = first; i < first + count; i++)
        d->fill_labels(b, i);
    return b;
}

frame_block dataset_reader::read_indices(const std::vector<size_t>& indices) const
{
    const size_t L2 = d->info.frame_length * 2;
    for (size_t i : indices)
        if (i >= d->n)
            throw input_error(d->path,
                              "frame index " + std::to_string(i) + " is outside the " +
                                  std::to_string(d->n) + " frames");
    // Read in file order, in runs, then scatter into the requested order.
    std::vector<size_t> order(indices.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return indices[a] < indices[b];
    });
    frame_block b;
    b.frame_length = d->info.frame_length;
    b.iq.resize(indices.size() * L2);
    std::vector<float> run;
    // Reading a few unwanted frames (32 KiB) beats a new hyperslab.
    const size_t max_gap = std::max<size_t>(1, (size_t(32) << 10) / L2 / sizeof(float));
    // A run spans at most 8 MiB of the file (8192 frames of 128 samples).
    const size_t max_span = std::max<size_t>(64, (size_t(8) << 20) / L2 / sizeof(float));
    lock_t lock(h5::library_mutex());
    for (size_t s = 0; s < order.size();) {
        size_t e = s + 1;
        while (e < order.size() && indices[order[e]] - indices[order[e - 1]] <= max_gap &&
               indices[order[e]] - indices[order[s]] < max_span)
            e++;
        size_t first = indices[order[s]], last = indices[order[e - 1]];
        run.resize((last - first + 1) * L2);
        // Frames read only to bridge a gap are not checked: a NaN frame
        // outside the selection must not refuse the selection.
        d->read_run(first, last - first + 1, run.data(), false);
        for (size_t k = s; k < e; k++) {
            const float* src = run.data() + (indices[order[k]] - first) * L2;
            d->check_finite(indices[order[k]], src);
            std::copy_n(src, L2, b.iq.data() + order[k] * L2);
        }
        s = e;
    }
    b.reserve(indices.size());
    for (size_t i : indices)
        d->fill_labels(b, i);
    return b;
}

void dataset_reader::for_each_block(
    const std::vector<size_t>& indices,
    size_t chunk_frames,
    const std::function<void(const frame_block&, size_t)>& fn) const
{
    chunk_frames = std::max<size_t>(1, chunk_frames);
    const size_t n = indices.empty() ? d->n : indices.size();
    const size_t blocks = (n + chunk_frames - 1) / chunk_frames;
    // Block k + 1 is read on a background thread while fn works on block k.
    read_ahead<frame_block> ahead(blocks, [&](size_t k) {
        const size_t pos = k * chunk_frames, cnt = std::min(chunk_frames, n - pos);
        if (indices.empty())
            return read(pos, cnt);
        return read_indices(
            std::vector<size_t>(indices.begin() + pos, indices.begin() + pos + cnt));
    });
    frame_block b;
    for (size_t k = 0; ahead.next(b); k++)
        fn(b, k * chunk_frames);
}

} // namespace amrcompress
} // namespace gr
