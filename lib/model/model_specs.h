/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_MODEL_SPECS_H
#define INCLUDED_AMRCOMPRESS_MODEL_SPECS_H

#include <nlohmann/json.hpp>
#include <string>

namespace gr {
namespace amrcompress {
namespace model {

//! Built-in description of an architecture; throws input_error for unknown names.
nlohmann::json default_spec(const std::string& arch);
//! An architecture name or a JSON spec -> JSON spec.
nlohmann::json resolve_spec(const std::string& spec_or_arch);

} // namespace model
} // namespace amrcompress
} // namespace gr

#endif
