/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "selection_pool.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <gnuradio/amrcompress/model_outputs.h>
#include <gnuradio/amrcompress/selection.h>
#include <algorithm>
#include <chrono>

namespace amr {

using namespace gr::amrcompress;

selection_pool load_pool(const pool_source& src, const coreset_needs& need)
{
    selection_pool p;
    p.dataset = std::make_unique<dataset_reader>(src.dataset);
    const dataset_reader& ds = *p.dataset;
    if (!src.dynamics.empty()) {
        p.dynamics = std::make_unique<training_dynamics>(read_dynamics(src.dynamics));
        check_dynamics_fit(*p.dynamics, ds);
        auto& d = *p.dynamics;
        if (src.max_rows > 0 && src.max_rows < d.size()) {
            d.index.resize(src.max_rows);
            d.label.resize(src.max_rows);
            d.snr_db.resize(src.max_rows);
            d.pred.resize(src.max_rows * d.epochs);
            d.loss.resize(src.max_rows * d.epochs);
        }
        p.frames = p.dynamics->index;
        p.inputs.dynamics = p.dynamics.get();
    } else {
        if (need.dynamics)
            throw input_error(
                "this method needs a training-dynamics record: pass --dynamics "
                "(or --run) from `amr train`");
        frame_filter f;
        f.snr_min = src.snr_min;
        f.snr_max = src.snr_max;
        p.frames = stratified_split(
                       ds.labels(), ds.snr_db(), src.train_fraction, select_frames(ds, f))
                       .train;
        if (src.max_rows > 0 && src.max_rows < p.frames.size())
            p.frames.resize(src.max_rows);
    }
    if (p.frames.empty())
        throw input_error(src.dataset, "no candidate frames to select from");
    p.inputs.num_classes = ds.info().classes.size();
    for (size_t i : p.frames) {
        p.inputs.labels.push_back(ds.labels()[i]);
        p.inputs.snr_db.push_back(ds.snr_db()[i]);
    }
    if (need.probs || need.embeddings) {
        if (src.models.empty())
            throw input_error(
                "this method needs a trained model: pass --model (or --run) "
                "from `amr train`");
        const auto t0 = std::chrono::steady_clock::now();
        for (const auto& m : src.models)
            p.inputs.models.push_back(
                compute_model_outputs(m, src.dataset, p.frames, src.threads));
        p.model_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (need.embeddings)
            for (size_t k = 0; k < src.models.size(); k++)
                if (p.inputs.models[k].dim == 0)
                    throw input_error(src.models[k],
                                      "the model has no features() method, which this "
                                      "method needs for embeddings (docs/models.md)");
    }
    return p;
}

std::vector<size_t> selected_frames(const selection_pool& pool, const coreset_result& r)
{
    std::vector<size_t> out;
    out.reserve(r.rows.size());
    for (size_t row : r.rows)
        out.push_back(pool.frames[row]);
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace amr
