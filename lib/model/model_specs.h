/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_AMRCOMPRESS_MODEL_SPECS_H
#define INCLUDED_AMRCOMPRESS_MODEL_SPECS_H

#include <gnuradio/amrcompress/api.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gr {
namespace amrcompress {
namespace model {

//! Built-in description of an architecture; throws input_error for unknown names.
AMRCOMPRESS_API nlohmann::json default_spec(const std::string& arch);
//! A preset name, a JSON spec, or the path of a .json file holding one -> JSON spec.
AMRCOMPRESS_API nlohmann::json resolve_spec(const std::string& spec_or_arch);

// Reading a spec's fields; each throws input_error("model spec: ...") naming
// the key when it is missing or out of range.
//! Throws input_error("model spec: " + what).
[[noreturn]] AMRCOMPRESS_API void bad_spec(const std::string& what);
AMRCOMPRESS_API int spec_int(const nlohmann::json& j, const char* key, int lo = 1);
AMRCOMPRESS_API double spec_double(const nlohmann::json& j, const char* key, double dflt);
//! j[key] (or j itself when key is null) as positive integers.
AMRCOMPRESS_API std::vector<int> spec_int_list(const nlohmann::json& j, const char* key);
AMRCOMPRESS_API bool spec_bool(const nlohmann::json& j, const char* key, bool dflt);
//! Whether cnn1d stack `i` convolves the I/Q plane in 2-D ("iq_2d": true;
//! only the first stack can).
AMRCOMPRESS_API bool cnn1d_stack_is_2d(const nlohmann::json& stack, size_t i);

} // namespace model
} // namespace amrcompress
} // namespace gr

#endif
