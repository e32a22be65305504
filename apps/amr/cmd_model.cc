/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"
#include "summary.h"
#include <gnuradio/amrcompress/dataset.h>
#include <gnuradio/amrcompress/model.h>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace amr {

int cmd_model(const std::vector<std::string>& args)
{
    using namespace gr::amrcompress;
    std::string arch, file, spec_out, json_out;
    size_t classes, L;
    po::options_description o(
        "Describe models: parameters and FLOPs of an architecture or spec for a given "
        "number of classes and frame length, or the metadata of a saved model file");
    o.add_options()(
        "arch", po::value(&arch), (model_names() + ", or a JSON spec file").c_str())(
        "file", po::value(&file), "a saved model (.pt) to describe instead")(
        "classes,C", po::value(&classes)->default_value(11), "number of classes")(
        "frame-length,L", po::value(&L)->default_value(128), "frame length")(
        "print-spec", "print the JSON description (edit it to make variants)")(
        "json", po::value(&json_out), "write the description as JSON ('-' = stdout)");
    po::variables_map vm;
    if (!parse("model", "(--arch A | --file MODEL.pt) [options]", args, o, {}, vm))
        return 0;
    std::vector<model_info> infos;
    std::vector<std::string> shown; // the preset's name, the spec file's or the model's
    if (!file.empty()) {
        infos.push_back(read_model_info(file));
        shown.push_back(infos.back().arch);
    } else {
        std::vector<std::string> archs =
            arch.empty() ? model_architectures() : std::vector<std::string>{ arch };
        std::vector<std::string> names;
        for (size_t c = 0; c < classes; c++)
            names.push_back(c < rml2016_classes().size() ? rml2016_classes()[c]
                                                         : "class" + std::to_string(c));
        for (auto a : archs) {
            shown.push_back(a.size() > 12 ? a.substr(0, 12) : a);
            if (vm.count("print-spec") && a.front() != '{' &&
                a.find(".json") == std::string::npos)
                std::cout << default_model_spec(a) << "\n";
            infos.push_back(describe_model(a, names, L));
        }
    }
    nlohmann::json all = nlohmann::json::array();
    std::printf("%-12s %-8s %12s %14s %10s %8s\n",
                "model",
                "arch",
                "params",
                "FLOPs (MAC)",
                "embedding",
                "L");
    for (size_t k = 0; k < infos.size(); k++) {
        const auto& i = infos[k];
        std::printf("%-12s %-8s %12zu %14.0f %10zu %8zu\n",
                    shown[k].c_str(),
                    i.arch.c_str(),
                    i.params,
                    i.flops,
                    i.embedding_dim,
                    i.frame_length);
        all.push_back(nlohmann::json::parse(i.to_json()));
    }
    if (!json_out.empty())
        write_json(all, json_out);
    return 0;
}

} // namespace amr
