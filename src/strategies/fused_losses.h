// Implements: the strategies' common losses on logits, each one autograd
//   node with a closed-form backward: the summed softmax cross-entropy
//   (log-softmax, label pick and head mask in one loop; backward softmax -
//   one_hot) and DER's summed per-sample mean squared error. LibTorch's
//   compositions record three to four nodes for each; at small batches
//   those nodes, not the arithmetic, are the cost. Used on CPU float32;
//   elsewhere the LibTorch compositions.
#pragma once

#include <torch/torch.h>

namespace mnemo::strategies {

/// sum_i -log softmax(logits[i] + head_mask[y[i]])[y[i]], a float scalar.
/// logits [n, K]; y int64 [n]; head_mask [K, K] additive (0 / -inf) or
/// undefined.
torch::Tensor softmax_cross_entropy_sum(const torch::Tensor& logits, const torch::Tensor& y,
                                        const torch::Tensor& head_mask = {});

/// sum_i mean_j (out[i, j] - target[i, j])^2, a float scalar (summed over
/// ranks and divided by the global count it is F.mse_loss). out and target
/// [n, K]; target gets no gradient.
torch::Tensor squared_error_sum(const torch::Tensor& out, const torch::Tensor& target);

}  // namespace mnemo::strategies
