/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"
#include <gnuradio/amrcompress/convert.h>
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/error.h>
#include <iostream>

namespace amr {

namespace {
bool ends_with(const std::string& s, const std::string& e)
{
    return s.size() >= e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0;
}
bool is_sigmf(const std::string& p)
{
    return ends_with(p, ".sigmf-meta") || ends_with(p, ".sigmf-data") ||
           ends_with(p, ".sigmf");
}
bool is_pickle(const std::string& p)
{
    return ends_with(p, ".pkl") || ends_with(p, ".pickle") || ends_with(p, ".dat");
}
} // namespace

int cmd_convert(const std::vector<std::string>& args)
{
    using namespace gr::amrcompress;
    std::string in, out;
    po::options_description o(
        "Convert between formats, chosen by file name:\n"
        "  X.pkl|.pickle|.dat -> Y.h5   RML2016.10a pickle to dataset (interpreted, "
        "never "
        "executed:\n"
        "                               only {(mod, snr): float32 [n, 2, L]} is "
        "accepted)\n"
        "  X.h5 -> Y.sigmf-meta         dataset to SigMF (Y.sigmf-data + Y.sigmf-meta)\n"
        "  X.sigmf-meta -> Y.h5         SigMF (one annotation per frame) to dataset\n"
        "Options");
    o.add_options()("input", po::value(&in)->required(), "input file")(
        "output", po::value(&out)->required(), "output file")("force,f",
                                                              "overwrite the output");
    po::positional_options_description pos;
    pos.add("input", 1).add("output", 1);
    po::variables_map vm;
    if (!parse("convert", "INPUT OUTPUT [options]", args, o, pos, vm))
        return 0;
    bool force = vm.count("force") > 0;

    if (is_pickle(in)) {
        rml2016_pickle_to_dataset(in, out, force);
    } else if (is_sigmf(in)) {
        sigmf_to_dataset(in, out, force);
    } else if (is_sigmf(out)) {
        dataset_reader ds(in);
        dataset_to_sigmf(ds, out, force);
        out = sigmf_base(out) + ".sigmf-meta/.sigmf-data";
    } else {
        throw input_error("cannot tell the conversion from the names '" + in + "' -> '" +
                          out + "' (see amr convert --help)");
    }
    std::cout << "amr convert: " << in << " -> " << out << "\n";
    return 0;
}

} // namespace amr
