/* -*- c++ -*- */
/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_LABEL_CHECK_H
#define INCLUDED_AMRCOMPRESS_LABEL_CHECK_H

#include <gnuradio/amrcompress/api.h>
#include <gnuradio/amrcompress/generator.h>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {

class dataset_reader;

struct AMRCOMPRESS_API snr_check_row {
    float snr_label = 0;
    size_t frames = 0;           //!< frames checked at this SNR
    double measured_snr_db = 0;  //!< 10 log10(mean over frames of |s|^2 / |n|^2)
    double frame_snr_std_db = 0; //!< spread of the per-frame SNR (fading)
    size_t mismatched = 0;       //!< frames whose regenerated version differs
};

struct AMRCOMPRESS_API label_check_result {
    bool available = false;
    std::string reason; //!< why the check could not run
    std::vector<snr_check_row> rows;
    size_t frames_checked = 0;
    size_t mismatched = 0;
};

/*!
 * \brief Checks the labels of a file made by `amr gen`.
 *
 * Regenerates the frames' cells from the stored generator parameters with the
 * signal-only and noise-only parts kept (same path, same scaling), checks that
 * each stored frame equals its regeneration (class and SNR labels are those of
 * the process that made it), and measures the SNR per label.
 * cells_per_snr limits the work: at most that many classes per SNR (0 = all).
 */
AMRCOMPRESS_API label_check_result
check_generated_labels(const dataset_reader& ds,
                       size_t cells_per_snr,
                       unsigned threads,
                       const progress_fn& progress = nullptr);

} // namespace amrcompress
} // namespace gr

#endif
