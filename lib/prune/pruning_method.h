/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One pruning method per file behind this interface; methods.def lists them
 * (adding a method = one file + one line there). Private (torch).
 */
#ifndef INCLUDED_AMRCOMPRESS_PRUNING_METHOD_H
#define INCLUDED_AMRCOMPRESS_PRUNING_METHOD_H

#include "prune_session.h"
#include <memory>
#include <optional>

namespace gr {
namespace amrcompress {
namespace prune {

struct pruned {
    net_state net;
    //! Soft methods: the model keeps its shape; the size it would have with
    //! the zeroed channels cut (params are reported from it, FLOPs are not).
    std::optional<nlohmann::json> effective_spec;
    bool stopped_early = false; //!< --stop-after: exported without fine-tuning
};

class pruning_method
{
public:
    virtual ~pruning_method() = default;
    virtual pruning_method_info info() const = 0;
    //! Prunes `original` and fine-tunes (cfg.epochs); details go to s.report.
    virtual pruned run(prune_session& s, const net_state& original) = 0;
};

std::unique_ptr<pruning_method> make_pruning_method(const std::string& name);

// Each method's factory (defined in its own file, listed in methods.def).
#define AMR_PRUNING_METHOD(id, name) std::unique_ptr<pruning_method> make_##id();
#include "methods.def"
#undef AMR_PRUNING_METHOD

} // namespace prune
} // namespace amrcompress
} // namespace gr

#endif
