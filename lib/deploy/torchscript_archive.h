/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads a TorchScript model file (the zip that torch::jit::Module::save or
 * torch.jit.save writes) without LibTorch: its extra files and the float32
 * tensors of its module. The file is treated as hostile: the zip is read with
 * libzip under size limits, data.pkl with the data-only pickle interpreter
 * (lib/convert/pickle_reader.h, torchscript dialect: nothing is executed),
 * and every tensor's size, stride and offset are checked against its storage
 * record. Private.
 */
#ifndef INCLUDED_AMRCOMPRESS_DEPLOY_TORCHSCRIPT_ARCHIVE_H
#define INCLUDED_AMRCOMPRESS_DEPLOY_TORCHSCRIPT_ARCHIVE_H

#include <gnuradio/amrcompress/api.h>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {
namespace deploy {

struct archive_tensor {
    std::vector<int64_t> shape; // {} for a 0-d tensor
    //! Row-major contiguous copy (strides resolved), numel entries.
    std::vector<float> data;
};

struct torchscript_contents {
    std::string archive_name;                 // the zip's top folder, e.g. "model"
    std::map<std::string, std::string> extra; // extra files by name, e.g. "amr_meta.json"
    //! Float32 tensor attributes of the top-level module (see read_torchscript).
    std::map<std::string, archive_tensor> tensors;
    // Additions:
    std::string module_class; // the top-level module's class, e.g. "__torch__.M"
    //! Tensor attributes that are not float32 (not read), with their storage
    //! type, e.g. {"idx", "torch.LongStorage"}.
    std::map<std::string, std::string> skipped;
};

//! Throws input_error(path, ...) for anything that is not a readable TorchScript archive.
//!
//! `tensors` holds the float32 tensor attributes of the top-level module by
//! name, and those of its submodules under dotted names ("sub.weight"), as
//! torch's state_dict() names them (plain tensor attributes are included
//! too; state_dict() has only parameters and buffers). Tensors inside lists,
//! tuples or dicts are not collected.
//!
//! Limits: data.pkl and each extra file at most 64 MiB, each storage record
//! at most 2 GiB, 4 GiB read in all; tensor data beyond its storages (views
//! with zero strides repeat elements) at most 64 MiB in all.
AMRCOMPRESS_API torchscript_contents read_torchscript(const std::string& path);

} // namespace deploy
} // namespace amrcompress
} // namespace gr

#endif
