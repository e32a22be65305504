/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The method registry, generated from methods.def.
 */
#include <gnuradio/amrcompress/coreset.h>
#include <gnuradio/amrcompress/error.h>

namespace gr {
namespace amrcompress {

namespace coreset {
#define AMR_CORESET_METHOD(name, summary) \
    std::unique_ptr<coreset_method> make_##name(const coreset_options&);
#include "methods.def"
#undef AMR_CORESET_METHOD
} // namespace coreset

namespace {
struct entry {
    const char* name;
    const char* summary;
    std::unique_ptr<coreset_method> (*make)(const coreset_options&);
};
const entry registry[] = {
#define AMR_CORESET_METHOD(name, summary) { #name, summary, coreset::make_##name },
#include "methods.def"
#undef AMR_CORESET_METHOD
};
} // namespace

coreset_method::~coreset_method() = default;

std::vector<coreset_method_info> coreset_methods()
{
    std::vector<coreset_method_info> v;
    coreset_options defaults;
    for (const auto& e : registry)
        v.push_back({ e.name, e.summary, e.make(defaults)->needs() });
    return v;
}

std::unique_ptr<coreset_method> make_coreset_method(const std::string& name,
                                                    const coreset_options& opt)
{
    std::string known;
    for (const auto& e : registry) {
        if (name == e.name)
            return e.make(opt);
        known += (known.empty() ? "" : ", ") + std::string(e.name);
    }
    throw input_error("unknown coreset method '" + name + "' (known: " + known + ")");
}

} // namespace amrcompress
} // namespace gr
