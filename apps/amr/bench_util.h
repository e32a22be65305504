/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pieces the benchmarks share (the resumable accuracy ones: coreset, prune;
 * those that run measurements in child processes: train, ddp).
 */
#ifndef INCLUDED_AMR_BENCH_UTIL_H
#define INCLUDED_AMR_BENCH_UTIL_H

#include "job_pool.h"
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace amr {

//! The last line a pipe (popen) writes before it ends; "" if none.
std::string last_line(FILE* pipe);

/*!
 * Training samples/s summed over `processes` runs of `amr bench train-one`
 * started together (each batch_each frames of frame_length samples, classes
 * outputs, random data, `threads` threads, `seconds` long): what this host
 * gives that many concurrent trainings of `model`.
 */
double concurrent_train_rate(const std::string& model,
                             int processes,
                             size_t batch_each,
                             int threads,
                             size_t frame_length,
                             size_t classes,
                             double seconds = 6);

//! Mean and sample standard deviation (NaN sd for fewer than 2 values).
struct mean_sd {
    double mean = std::nan(""), sd = std::nan("");
    size_t n = 0;
};
mean_sd mean_and_sd(const std::vector<double>& v);

/*!
 * A paired comparison's verdict over seeds (diffs = a - b per seed): +1
 * when every seed has a ahead and the mean exceeds the sample sd, -1 the
 * same with b ahead, 0 otherwise ("within the spread"; fewer than 2 seeds).
 */
int paired_verdict(const std::vector<double>& diffs);

//! The data a benchmark generates when it is given no --dataset: the
//! generator preset's shape (gen_preset.h) at SNR >= snr_min.
struct generated_data {
    std::string preset; //!< "" (rml2016) or "rml2018"
    size_t frames_per_cell = 1000;
    float snr_min = -20;
    uint64_t seed = 1;
};

//! What a benchmark's dataset holds: the training part's frames (80 % of
//! those at snr_min and above), frame length and classes.
struct planned_data {
    size_t train_frames = 0, frame_length = 128, classes = 11;
};
//! Read from `path` if it exists, else what ensure_generated_dataset writes.
planned_data plan_data(const std::string& path, const generated_data& g);

//! %g formatting.
std::string fmt(double v);

//! An `amr train` run in dir finished all its planned epochs and saved its model.
bool run_complete(const std::string& dir);

//! Test accuracy after the last epoch of the run in dir (NaN if not measured).
double final_accuracy(const std::string& dir);

//! One `amr train` run of a benchmark.
struct train_run {
    std::string dataset, dir, arch;
    std::string index; //!< train on these frames only (empty: all)
    int epochs = 0;
    uint64_t seed = 1;
    float snr_min = -20;
    bool dynamics = false; //!< record the training dynamics
};

/*!
 * The job for `run` with the tool at `tool`: one thread, no evaluation
 * before the last epoch, output in run.dir (created) with its train.log; a
 * run stopped part-way (a benchmark interrupted) goes on from its last
 * epoch, drawing what the uninterrupted run would have.
 */
job train_job(const std::string& tool, const train_run& run);

/*!
 * Generates g's dataset at `path` unless it exists (then checks that its
 * classes and frame length are g's, so that a changed --preset never
 * reuses the other shape); written aside and renamed, so an interrupted
 * run never leaves a half file behind.
 */
void ensure_generated_dataset(const std::string& path,
                              const generated_data& g,
                              const std::string& who);

} // namespace amr

#endif
