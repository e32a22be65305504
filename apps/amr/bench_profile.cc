/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * amr bench profile: where a batch's time goes in the native engine.
 */
#include "cli.h"
#include "deploy/native/native_backend.h"
#include "summary.h"
#include <gnuradio/amrcompress/error.h>
#include <cstdio>

namespace amr {

int bench_profile(const std::vector<std::string>& args)
{
    using namespace gr::amrcompress;
    std::string model, prec, json_out;
    int batch, threads, iters;
    bool no_fold = false;
    po::options_description o(
        "The native engine's network for one model, step by step: each oneDNN "
        "primitive (or the engine's own step) timed alone, in execution order, beside "
        "the whole forward pass, on random frames");
    o.add_options()("model", po::value(&model)->required(), "model.pt")(
        "precision",
        po::value(&prec)->default_value("fp32"),
        "fp32, bf16 or int8 (int8: a model calibrated by amr quantize)")(
        "batch,b", po::value(&batch)->default_value(32), "batch size")(
        "threads,j", po::value(&threads)->default_value(1), "compute threads")(
        "iters", po::value(&iters)->default_value(200), "timed runs of each step")(
        "no-fold-rows",
        po::bool_switch(&no_fold),
        "run a 2-D graph (the ResNets) without folding its rows into channels")(
        "json", po::value(&json_out), "also write the profile as JSON");
    po::positional_options_description pos;
    pos.add("model", 1);
    po::variables_map vm;
    if (!parse("bench profile", "MODEL [options]", args, o, pos, vm))
        return 0;
    if (batch < 1 || threads < 1 || iters < 1)
        throw input_error("bench profile: --batch, --threads and --iters must be >= 1");
    const auto opt = deploy::tool_options(size_t(batch), threads, "native", prec);
    const auto p = deploy::profile_native(model, opt, !no_fold, iters);
    double sum = 0;
    nlohmann::json steps = nlohmann::json::array();
    std::printf("| step | us per batch |\n|---|---:|\n");
    for (const auto& [what, us] : p.steps) {
        std::printf("| %s | %.2f |\n", what.c_str(), us);
        steps.push_back({ { "step", what }, { "us", us } });
        sum += us;
    }
    std::printf("\n%s, %s, batch %d, %d thread(s)%s: forward %.1f us (%.1f k frames/s), "
                "steps alone %.1f us\n",
                model.c_str(),
                prec.c_str(),
                batch,
                threads,
                p.rows_folded ? ", rows folded into channels" : "",
                p.forward_us,
                batch / p.forward_us * 1e3,
                sum);
    if (!json_out.empty())
        write_json({ { "model", model },
                     { "precision", prec },
                     { "batch", batch },
                     { "threads", threads },
                     { "rows_folded", p.rows_folded },
                     { "kernels", p.kernels },
                     { "forward_us", p.forward_us },
                     { "frames_per_s", batch / p.forward_us * 1e6 },
                     { "steps", steps } },
                   json_out);
    return 0;
}

} // namespace amr
