/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pruning_method.h"
#include <gnuradio/amrcompress/error.h>

namespace gr {
namespace amrcompress {
namespace prune {

namespace {

struct entry {
    const char* name;
    std::unique_ptr<pruning_method> (*make)();
};

const std::vector<entry>& registry()
{
    static const std::vector<entry> r = {
#define AMR_PRUNING_METHOD(id, name) { name, &make_##id },
#include "methods.def"
#undef AMR_PRUNING_METHOD
    };
    return r;
}

} // namespace

std::unique_ptr<pruning_method> make_pruning_method(const std::string& name)
{
    std::string known;
    for (const auto& e : registry()) {
        if (name == e.name)
            return e.make();
        known += (known.empty() ? "" : ", ") + std::string(e.name);
    }
    throw input_error("unknown pruning method '" + name + "' (known: " + known + ")");
}

} // namespace prune

std::vector<pruning_method_info> pruning_methods()
{
    std::vector<pruning_method_info> out;
    for (const auto& e : prune::registry())
        out.push_back(e.make()->info());
    return out;
}

} // namespace amrcompress
} // namespace gr
