/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Training checkpoint (OUT/checkpoint.pt): weights, buffers, optimizer state
 * and a JSON state (epochs done, their metrics, the run's settings) in one
 * torch archive, replaced atomically after every epoch, so a stopped run
 * (a killed rank, a crashed host) continues where it was. Private (torch).
 */
#ifndef INCLUDED_AMRCOMPRESS_CHECKPOINT_H
#define INCLUDED_AMRCOMPRESS_CHECKPOINT_H

#include "../util/atomic_file.h"
#include <nlohmann/json.hpp>
#include <torch/script.h>
#include <torch/torch.h>
#include <string>

namespace gr {
namespace amrcompress {

//! The archive's bytes: m's parameters and buffers, opt's state and `state`.
std::string checkpoint_bytes(const torch::jit::Module& m,
                             torch::optim::Optimizer& opt,
                             const nlohmann::json& state);

// write_file_atomically (checkpoints, metrics.json, prune reports): util/atomic_file.h.

//! Reads a whole file; throws input_error when it cannot.
std::string read_file_bytes(const std::string& path);

/*!
 * Restores m and opt from checkpoint_bytes() and returns its state. Throws
 * input_error for a damaged archive or one of another architecture.
 */
nlohmann::json restore_checkpoint(const std::string& bytes,
                                  const std::string& what,
                                  torch::jit::Module& m,
                                  torch::optim::Optimizer& opt);

} // namespace amrcompress
} // namespace gr

#endif
