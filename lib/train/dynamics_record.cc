/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../dataset/hdf5_layout.h"
#include "dynamics_record.h"
#include <gnuradio/amrcompress/error.h>
#include <algorithm>

namespace gr {
namespace amrcompress {

struct dynamics_record::impl {
    std::string path;
    H5::H5File file;
    H5::DataSet pred, loss, acc;
    size_t n = 0;
};

dynamics_record::dynamics_record(const std::string& path,
                                 const std::string& dataset_path,
                                 const std::vector<std::string>& classes,
                                 const std::vector<size_t>& indices,
                                 const std::vector<int32_t>& labels,
                                 const std::vector<float>& snr_db,
                                 int epochs,
                                 const std::vector<size_t>& test_indices)
    : d(std::make_unique<impl>())
{
    if (classes.size() > 255)
        throw input_error(path,
                          "the dynamics record stores labels as uint8 (<= 255 classes)");
    d->path = path;
    d->n = indices.size();
    h5::silence_library_errors();
    std::lock_guard<std::recursive_mutex> lock(h5::library_mutex());
    try {
        d->file = H5::H5File(path, H5F_ACC_TRUNC);
        hsize_t dims[2] = { d->n, hsize_t(epochs) };
        hsize_t chunk[2] = { std::max<hsize_t>(1, std::min<hsize_t>(d->n, 65536)), 1 };
        H5::DSetCreatPropList p;
        p.setChunk(2, chunk);
        H5::DataSpace sp(2, dims);
        d->pred = d->file.createDataSet("pred", H5::PredType::STD_U8LE, sp, p);
        d->loss = d->file.createDataSet("loss", H5::PredType::IEEE_F32LE, sp, p);
        hsize_t n1 = d->n, t1 = epochs;
        std::vector<int64_t> idx(indices.begin(), indices.end());
        d->file.createDataSet("index", H5::PredType::STD_I64LE, H5::DataSpace(1, &n1))
            .write(idx.data(), H5::PredType::NATIVE_INT64);
        d->file.createDataSet("label", H5::PredType::STD_I32LE, H5::DataSpace(1, &n1))
            .write(labels.data(), H5::PredType::NATIVE_INT32);
        d->file.createDataSet("snr_db", H5::PredType::IEEE_F32LE, H5::DataSpace(1, &n1))
            .write(snr_db.data(), H5::PredType::NATIVE_FLOAT);
        // The run's test frames: `amr select` refuses a record whose rows
        // include one (a record edited or taken from another split).
        std::vector<int64_t> test(test_indices.begin(), test_indices.end());
        hsize_t n_test = test.size();
        auto test_ds = d->file.createDataSet(
            "test_index", H5::PredType::STD_I64LE, H5::DataSpace(1, &n_test));
        if (n_test)
            test_ds.write(test.data(), H5::PredType::NATIVE_INT64);
        d->acc = d->file.createDataSet(
            "train_accuracy", H5::PredType::IEEE_F64LE, H5::DataSpace(1, &t1));
        h5::write_string_attr(d->file, "amr_format", "gr-amrcompress dynamics 1");
        h5::write_string_attr(d->file, "dataset", dataset_path);
        h5::write_string_list_attr(d->file, "classes", classes);
        h5::write_string_attr(
            d->file,
            "prediction_timing",
            "during the training pass: the logits of the forward pass of the step that "
            "trained on the sample (train mode, before that step's update)");
        h5::write_double_attr(d->file, "epochs_completed", 0);
        d->file.flush(H5F_SCOPE_GLOBAL);
    } catch (const H5::Exception& e) {
        throw input_error(path,
                          "cannot create the dynamics record (" + e.getDetailMsg() + ")");
    }
}

dynamics_record::dynamics_record(const std::string& path,
                                 const std::vector<size_t>& indices,
                                 int epochs,
                                 int epochs_done)
    : d(std::make_unique<impl>())
{
    d->path = path;
    d->n = indices.size();
    h5::silence_library_errors();
    std::lock_guard<std::recursive_mutex> lock(h5::library_mutex());
    try {
        d->file = H5::H5File(path, H5F_ACC_RDWR);
        d->pred = d->file.openDataSet("pred");
        d->loss = d->file.openDataSet("loss");
        d->acc = d->file.openDataSet("train_accuracy");
        hsize_t dims[2] = { 0, 0 };
        d->pred.getSpace().getSimpleExtentDims(dims);
        H5::DataSet idx_ds = d->file.openDataSet("index");
        std::vector<int64_t> idx(d->n);
        hsize_t n_file = 0;
        idx_ds.getSpace().getSimpleExtentDims(&n_file);
        if (dims[0] != d->n || dims[1] != hsize_t(epochs) || n_file != d->n)
            throw input_error(path,
                              "the dynamics record to continue has " +
                                  std::to_string(dims[0]) + " frames x " +
                                  std::to_string(dims[1]) + " epochs, not " +
                                  std::to_string(d->n) + " x " + std::to_string(epochs));
        idx_ds.read(idx.data(), H5::PredType::NATIVE_INT64);
        for (size_t i = 0; i < d->n; i++)
            if (idx[i] != int64_t(indices[i]))
                throw input_error(path,
                                  "the dynamics record to continue lists other frames");
        const double done = h5::read_double_attr(d->file, "epochs_completed");
        if (done < epochs_done)
            throw input_error(path,
                              "the dynamics record holds " + std::to_string(int(done)) +
                                  " epochs, the checkpoint " +
                                  std::to_string(epochs_done));
    } catch (const H5::Exception& e) {
        throw input_error(path,
                          "cannot reopen the dynamics record (" + e.getDetailMsg() + ")");
    }
}

dynamics_record::~dynamics_record()
{
    std::lock_guard<std::recursive_mutex> lock(h5::library_mutex());
    d.reset();
}

void dynamics_record::write_epoch(int epoch,
                                  const std::vector<uint8_t>& pred,
                                  const std::vector<float>& loss,
                                  double train_accuracy)
{
    std::lock_guard<std::recursive_mutex> lock(h5::library_mutex());
    try {
        hsize_t off[2] = { 0, hsize_t(epoch) }, cnt[2] = { d->n, 1 };
        H5::DataSpace ms(2, cnt);
        H5::DataSpace fs = d->pred.getSpace();
        fs.selectHyperslab(H5S_SELECT_SET, cnt, off);
        d->pred.write(pred.data(), H5::PredType::NATIVE_UINT8, ms, fs);
        H5::DataSpace fl = d->loss.getSpace();
        fl.selectHyperslab(H5S_SELECT_SET, cnt, off);
        d->loss.write(loss.data(), H5::PredType::NATIVE_FLOAT, ms, fl);
        hsize_t one = 1, eo = epoch;
        H5::DataSpace fa = d->acc.getSpace();
        fa.selectHyperslab(H5S_SELECT_SET, &one, &eo);
        H5::DataSpace ma(1, &one);
        d->acc.write(&train_accuracy, H5::PredType::NATIVE_DOUBLE, ma, fa);
        h5::write_double_attr(d->file, "epochs_completed", epoch + 1);
        d->file.flush(H5F_SCOPE_GLOBAL);
    } catch (const H5::Exception& e) {
        throw input_error(d->path,
                          "writing epoch " + std::to_string(epoch + 1) + " failed (" +
                              e.getDetailMsg() + ")");
    }
}

} // namespace amrcompress
} // namespace gr
