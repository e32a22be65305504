/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Random layer pruning: removable layers in a seeded random order.
 */
#include "method_util.h"
#include <gnuradio/amrcompress/error.h>
#include <torch/torch.h>

namespace gr {
namespace amrcompress {
namespace prune {

namespace {

class random_layers_method : public pruning_method
{
public:
    pruning_method_info info() const override
    {
        return { "random", "layer", false, "remove randomly chosen layers" };
    }
    pruned run(prune_session& s, const net_state& original) override
    {
        auto order = original.graph().removable();
        std::shuffle(order.begin(), order.end(), s.rng);
        return remove_ranked_layers(s, original, order);
    }
};

} // namespace

std::unique_ptr<pruning_method> make_random_layers()
{
    return std::make_unique<random_layers_method>();
}

} // namespace prune
} // namespace amrcompress
} // namespace gr
