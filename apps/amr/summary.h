/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMR_SUMMARY_H
#define INCLUDED_AMR_SUMMARY_H

#include <gnuradio/amrcompress/dataset_reader.h>
#include <nlohmann/json.hpp>
#include <ostream>

namespace amr {

//! Counts per class x SNR and the metadata, as JSON.
nlohmann::json dataset_summary(const gr::amrcompress::dataset_reader& ds);
//! The same, for people.
void print_summary(const nlohmann::json& summary, std::ostream& os);
//! Writes JSON to a path, or stdout for "-".
void write_json(const nlohmann::json& j, const std::string& path);

} // namespace amr

#endif
