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
#include <functional>

namespace gr {
namespace amrcompress {

struct step_output {
    torch::Tensor logits;     //!< detached [B, C]
    torch::Tensor per_sample; //!< detached cross-entropy per sample [B]
};

inline step_output train_step(torch::jit::Module& m,
                              torch::optim::Optimizer& opt,
                              const torch::Tensor& x,
                              const torch::Tensor& y,
                              double loss_scale = 0, //!< 0: mean; else sum * loss_scale
                              const std::function<void()>& after_backward = nullptr)
{
    auto logits = m.forward({ x }).toTensor();
    auto per_sample = torch::nn::functional::cross_entropy(
        logits,
        y,
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
    auto loss = loss_scale > 0 ? per_sample.sum() * loss_scale : per_sample.mean();
    opt.zero_grad();
    loss.backward();
    if (after_backward) // e.g. the gradients' all-reduce over the ranks
        after_backward();
    opt.step();
    return { logits.detach(), per_sample.detach() };
}

} // namespace amrcompress
} // namespace gr

#endif
