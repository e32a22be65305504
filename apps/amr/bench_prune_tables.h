/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The runs of amr bench prune and their tables (Markdown, CSV): per
 * architecture the FCOS Table IV layout, mean ± sd over seeds, FCOS against
 * the best baseline paired by seed, and the FCOS ablation, LaCD-threshold and
 * probe-data tables.
 */
#ifndef INCLUDED_AMR_BENCH_PRUNE_TABLES_H
#define INCLUDED_AMR_BENCH_PRUNE_TABLES_H

#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <vector>

namespace amr {

//! One pruning run: a method (or an FCOS variant) on one architecture and seed.
struct prune_run {
    std::string arch, method, key, label;
    std::vector<std::string> extra; //!< options beyond the method's defaults
    int seed = 1;
    //! main (Table IV), ablation (Tables VI-VIII), beta (LaCD threshold),
    //! probe (where the probes are scored)
    std::string table = "main";
    std::string dir;
    nlohmann::json report; //!< null: the run failed
    double fps = 0;        //!< measured for seed 1 only
};

struct prune_table_context {
    std::string profile, dataset;
    size_t frames_per_cell = 0, infer_batch = 0;
    float snr_min = 0;
    int infer_rounds = 0, seeds = 1;
    double beta = 0, seconds = 0;
    bool partial = false; //!< --tables-only: some runs may still be going
    std::vector<std::string> models;
    std::map<std::string, double> keep;
    std::map<std::string, int> diag_epochs, epochs;
    std::map<std::string, std::map<int, double>> original_acc; //!< arch -> seed -> acc
    std::map<std::string, double> dense_fps;                   //!< seed 1's
};

//! Writes OUT/tables.md and OUT/results.csv; returns the tables as JSON.
nlohmann::json write_prune_tables(const std::vector<prune_run>& runs,
                                  const prune_table_context& ctx,
                                  const std::string& out_dir);

} // namespace amr

#endif
