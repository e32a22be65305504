/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The runs of amr bench coreset and their tables (Markdown, CSV, JSON).
 */
#ifndef INCLUDED_AMR_BENCH_CORESET_TABLES_H
#define INCLUDED_AMR_BENCH_CORESET_TABLES_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace amr {

//! One way of selecting: a method plus the options a table varies.
struct variant {
    std::string key;   //!< file-name-safe, unique per selection
    std::string label; //!< for the tables
    std::string method;
    bool stratify = false;     //!< class x SNR budgets
    std::vector<bool> metrics; //!< FoQuS forget/persist/quality (empty: all)
    std::vector<double> mix;   //!< FoQuS tier mix (empty: default)
    std::string normalise;     //!< FoQuS normalisation (empty: default)
    std::string sampling;      //!< FoQuS sampling (empty: default)
};

struct run_spec {
    std::string table, selector, trainer;
    variant v;
    double rate = 0;
    uint64_t seed = 1;
    std::string index, dir;
    double accuracy = 0; //!< NaN when the run failed
};

struct table_context {
    std::vector<double> rates, tier_rates;
    double ablation_rate = 0.01;
    int seeds = 1, seeds_other = 1;
    std::map<std::string, int> epochs, pre_epochs;
    std::map<std::string, double> full_accuracy; //!< pre-trained model per architecture
    std::string description;
    double seconds = 0;
};

//! Writes OUT/tables.md, OUT/results.csv and OUT/tables.json.
void write_tables(const std::vector<run_spec>& runs,
                  const table_context& ctx,
                  const std::string& out_dir);

} // namespace amr

#endif
