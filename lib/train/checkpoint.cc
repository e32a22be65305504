/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "../util/input_file.h"
#include "checkpoint.h"
#include <gnuradio/amrcompress/error.h>
#include <fcntl.h>
#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace gr {
namespace amrcompress {

std::string checkpoint_bytes(const torch::jit::Module& m,
                             torch::optim::Optimizer& opt,
                             const nlohmann::json& state)
{
    torch::serialize::OutputArchive ar;
    for (const auto& p : m.named_parameters())
        ar.write("param." + p.name, p.value);
    for (const auto& b : m.named_buffers())
        ar.write("buffer." + b.name, b.value, true);
    torch::serialize::OutputArchive o;
    opt.save(o);
    ar.write("optimizer", o);
    ar.write("state", c10::IValue(state.dump()));
    std::ostringstream s;
    ar.save_to(s);
    return s.str();
}

std::string read_file_bytes(const std::string& path)
{
    // A checkpoint holds weights and optimiser moments: SigNet50's is ~0.3 GB.
    return read_small_file(path, "checkpoint", 64ull << 30);
}

nlohmann::json restore_checkpoint(const std::string& bytes,
                                  const std::string& what,
                                  torch::jit::Module& m,
                                  torch::optim::Optimizer& opt)
{
    try {
        std::istringstream s(bytes);
        torch::serialize::InputArchive ar;
        ar.load_from(s);
        {
            torch::NoGradGuard ng;
            for (auto p : m.named_parameters()) {
                torch::Tensor t;
                ar.read("param." + p.name, t);
                if (!t.sizes().equals(p.value.sizes()))
                    throw input_error(what,
                                      "parameter " + p.name +
                                          " has another shape than this run's model");
                p.value.copy_(t);
            }
            for (auto b : m.named_buffers()) {
                torch::Tensor t;
                ar.read("buffer." + b.name, t, true);
                b.value.copy_(t);
            }
        }
        torch::serialize::InputArchive o;
        ar.read("optimizer", o);
        opt.load(o);
        c10::IValue state;
        ar.read("state", state);
        return nlohmann::json::parse(state.toStringRef());
    } catch (const input_error&) {
        throw;
    } catch (const std::exception& e) {
        throw input_error(what,
                          std::string("not a usable training checkpoint: ") + e.what());
    }
}

} // namespace amrcompress
} // namespace gr
