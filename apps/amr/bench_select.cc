/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * amr bench select: wall time of every selection method on the same
 * candidates (inputs loaded once; model outputs timed separately).
 */
#include "cli.h"
#include "selection_pool.h"
#include "summary.h"
#include <gnuradio/amrcompress/coreset.h>
#include <cstdio>

namespace amr {

using namespace gr::amrcompress;

int bench_select(const std::vector<std::string>& args)
{
    pool_source src;
    std::string methods, json_out;
    double rate;
    int repeats;
    po::options_description o(
        "Selection time of every method on the first N candidates of a dynamics record, "
        "with the model outputs they need computed once beforehand (timed separately)");
    o.add_options()("dataset", po::value(&src.dataset)->required(), "dataset")(
        "dynamics", po::value(&src.dynamics)->required(), "dynamics record")(
        "model", po::value(&src.models)->composing()->required(), "model.pt")(
        "frames",
        po::value(&src.max_rows)->default_value(100000),
        "candidates (first N rows)")(
        "rate", po::value(&rate)->default_value(0.1, "0.1"), "selection rate")(
        "methods", po::value(&methods), "methods (default all)")(
        "repeats",
        po::value(&repeats)->default_value(1),
        "timings per method (best kept)")("threads,j",
                                          po::value(&src.threads)->default_value(1),
                                          "threads for the model outputs")(
        "json", po::value(&json_out), "write the results as JSON");
    po::positional_options_description pos;
    pos.add("dataset", 1);
    po::variables_map vm;
    if (!parse(
            "bench select", "DATASET --dynamics F --model M [options]", args, o, pos, vm))
        return 0;
    std::vector<std::string> names = split_list(methods);
    if (names.empty())
        for (const auto& m : coreset_methods())
            names.push_back(m.name);
    auto pool = load_pool(src, { true, true, true });
    std::printf("%zu candidates, %zu classes, %zu epochs recorded; model outputs %.2f s; "
                "rate %g\n\n| method | seconds | selected |\n|---|---:|---:|\n",
                pool.frames.size(),
                pool.inputs.num_classes,
                pool.dynamics->epochs,
                pool.model_seconds,
                rate);
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& m : names) {
        coreset_options opt;
        opt.method = m;
        opt.rate = rate;
        double best = 1e300;
        size_t n = 0;
        for (int k = 0; k < std::max(1, repeats); k++) {
            auto r = select_coreset(pool.inputs, opt);
            best = std::min(best, r.seconds);
            n = r.rows.size();
        }
        std::printf("| %s | %.3f | %zu |\n", m.c_str(), best, n);
        std::fflush(stdout);
        rows.push_back({ { "method", m }, { "seconds", best }, { "selected", n } });
    }
    nlohmann::json j = { { "candidates", pool.frames.size() },
                         { "rate", rate },
                         { "model_seconds", pool.model_seconds },
                         { "methods", rows } };
    if (!json_out.empty())
        write_json(j, json_out);
    return 0;
}

} // namespace amr
