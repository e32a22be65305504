/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The training-dynamics record (FoQuS Eqs. 2, 3, 6): for every training
 * sample and epoch, the predicted label and the cross-entropy loss. HDF5,
 * written one epoch column at a time so a crash keeps finished epochs.
 * Layout in docs/models.md. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_DYNAMICS_RECORD_H
#define INCLUDED_AMRCOMPRESS_DYNAMICS_RECORD_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {

class dynamics_record
{
public:
    dynamics_record(const std::string& path,
                    const std::string& dataset_path,
                    const std::vector<std::string>& classes,
                    const std::vector<size_t>& indices,
                    const std::vector<int32_t>& labels,
                    const std::vector<float>& snr_db,
                    int epochs,
                    const std::vector<size_t>& test_indices);
    //! Reopens a record to continue after `epochs_done` epochs (a resumed
    //! run): it must hold these frames and this many epochs.
    dynamics_record(const std::string& path,
                    const std::vector<size_t>& indices,
                    int epochs,
                    int epochs_done);
    ~dynamics_record();
    //! Row r of both columns belongs to indices[r]; train_accuracy is the
    //! epoch's mean correctness of those predictions (the trainer has it).
    void write_epoch(int epoch,
                     const std::vector<uint8_t>& pred,
                     const std::vector<float>& loss,
                     double train_accuracy);

private:
    struct impl;
    std::unique_ptr<impl> d;
};

} // namespace amrcompress
} // namespace gr

#endif
