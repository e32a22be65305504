/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One optimisation step, shared by the trainer and the training benchmark so
 * the benchmark times exactly what `amr train` runs. Private (torch).
 */
#ifndef INCLUDED_AMRCOMPRESS_TRAIN_STEP_H
#define INCLUDED_AMRCOMPRESS_TRAIN_STEP_H

#include <torch/script.h>
#include <torch/torch.h>

namespace gr {
namespace amrcompress {

struct step_output {
    torch::Tensor logits;     //!< detached [B, C]
    torch::Tensor per_sample; //!< detached cross-entropy per sample [B]
};

inline step_output train_step(torch::jit::Module& m,
                              torch::optim::Optimizer& opt,
                              const torch::Tensor& x,
                              const torch::Tensor& y)
{
    auto logits = m.forward({ x }).toTensor();
    auto per_sample = torch::nn::functional::cross_entropy(
        logits,
        y,
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
    auto loss = per_sample.mean();
    opt.zero_grad();
    loss.backward();
    opt.step();
    return { logits.detach(), per_sample.detach() };
}

} // namespace amrcompress
} // namespace gr

#endif
