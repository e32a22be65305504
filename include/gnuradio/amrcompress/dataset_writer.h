/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_DATASET_WRITER_H
#define INCLUDED_AMRCOMPRESS_DATASET_WRITER_H

#include <gnuradio/amrcompress/api.h>
#include <gnuradio/amrcompress/dataset.h>
#include <memory>
#include <string>

namespace gr {
namespace amrcompress {

struct AMRCOMPRESS_API writer_options {
    bool overwrite = false; //!< replace an existing file
    bool append = false;    //!< add to an existing dataset file instead (if it exists)
    bool frame_metadata = false; //!< write capture_time / capture_id
    bool radio_metadata = false; //!< write center_freq / snr_estimated
    size_t chunk_frames = 1024;  //!< HDF5 chunk size along N (0: about 1 MiB of X)
    /*!
     * > 0: the capture layout, for files that must survive a kill at any
     * moment. The file holds at most `capacity` frames, each dataset in one
     * chunk of that many rows. The chunks are allocated by the first flush
     * that writes frames, which runs while the file is still named PATH.part;
     * the file takes its name only after it. Every later flush changes
     * nothing but the datasets' extents, which sit side by side in one
     * metadata block and go to disk in one write, so a kill leaves the file
     * as of the last flush or the one before. The chunks are sparse: the
     * file's apparent size is its capacity, its disk use what was written.
     * The class list is fixed once frames are flushed.
     */
    size_t capacity = 0;
};

/*!
 * \brief Appends frames to a dataset file in the RML2018.01a layout.
 *
 * X float32 [N, L, 2], Y int64 one-hot [N, C], Z int64 [N, 1] (SNR rounded to
 * whole dB, as RML2018), plus snr_db float32 [N] with the unrounded value and
 * root attributes for dataset_info. Datasets are extensible.
 *
 * Crash safety: HDF5 metadata reaches the disk only in flush() (the metadata
 * cache never evicts), and the file keeps HDF5's most compatible format (no
 * SWMR status flags), so the file opens with any HDF5 reader after the
 * writing process is killed between flushes. A kill during a flush can tear
 * the default layout (several metadata blocks are written); the capture
 * layout (writer_options::capacity) makes every flush one write. When a
 * write fails (disk full, file-size limit), the datasets are cut back to the
 * last flushed state before the error is thrown, so a file never claims
 * frames it does not hold.
 */
class AMRCOMPRESS_API dataset_writer
{
public:
    //! With opts.append and an existing file: opens it for appending; its
    //! frame length must equal info's, its classes are kept and info's
    //! classes it lacks are added.
    dataset_writer(const std::string& path,
                   const dataset_info& info,
                   const writer_options& opts = writer_options());
    ~dataset_writer(); //!< closes; never throws
    dataset_writer(const dataset_writer&) = delete;
    dataset_writer& operator=(const dataset_writer&) = delete;

    //! Appends all frames of the block; validates labels, shapes and finiteness.
    void append(const frame_block& block);
    //! Makes every frame appended so far survive a crash of this process.
    void flush();
    void close();
    /*!
     * Adds a class name (Y gains a column, existing rows read 0 in it) and
     * returns its label; an existing name returns its label. Files written
     * before the class list could grow refuse with input_error.
     */
    int add_class(const std::string& name);
    //! Sets the sample_rate / center_freq attributes (a receiver retuned).
    void set_radio(double sample_rate, double center_freq);
    size_t size() const;
    size_t capacity() const;    //!< frames the file can hold (0: no limit)
    bool classes_fixed() const; //!< add_class() would refuse (capture layout with frames)
    size_t flushed() const;     //!< frames on disk as of the last flush()
    uint64_t frame_bytes() const; //!< bytes one frame takes in the file (all datasets)
    //! The same for a file not open yet.
    static uint64_t
    frame_bytes(size_t frame_length, size_t classes, const writer_options& opts);
    const dataset_info& info() const;
    const std::string& path() const;

private:
    struct impl;
    std::unique_ptr<impl> d;
};

} // namespace amrcompress
} // namespace gr

#endif
