// Implements: an MLP's training forward and backward as one autograd node.
//
//   Rationale. At small batches a training step's cost is per operator (the
//   dispatcher, the autograd engine, allocations), not arithmetic: the
//   784-100-100-10 step at batch 20 is ~7.5 MFLOP. Autograd records about
//   ten nodes for the MLP (addmm, ReLU, transposes, one AccumulateGrad per
//   parameter); this records one. Its backward walks the layers itself:
//   dW += g^T a (addmm_ straight into each parameter's .grad, i.e. the flat
//   gradient buffer), db += column sums of g, g = (g W) masked by a > 0.
//   The elementwise parts are plain loops over contiguous float32 memory.
//   Everything above the logits (the strategy's losses) stays ordinary
//   autograd, and gradients reaching the parameters by other paths (EWC's
//   penalty) accumulate into the same .grad views, so strategies see no
//   difference.
//
//   The node writes the parameter gradients itself and returns none for
//   them, so no AccumulateGrad hooks fire for this model's parameters (the
//   gradient reducer then launches every bucket after backward). Used on
//   CPU float32 only; elsewhere the MLP runs its autograd layers.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace mnemo::model {

/// True when fused_mlp_forward can train on `x` with `params` (CPU,
/// float32, grad mode on, some parameter requiring grad).
bool fused_mlp_applies(const torch::Tensor& x, const std::vector<torch::Tensor>& params);

/// Logits of the MLP with layers (params[2l], params[2l+1]) = (weight
/// [out, in], bias [out]), ReLU between layers, on x [n, in]. Backward adds
/// the gradients into the parameters' .grad (allocated if absent) and
/// returns the input gradient when x requires it.
torch::Tensor fused_mlp_forward(const torch::Tensor& x, const std::vector<torch::Tensor>& params);

}  // namespace mnemo::model
