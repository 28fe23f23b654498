// Implements: the summed softmax cross-entropy of logits as one autograd
//   node (log-softmax, label pick and head mask in one loop; backward is
//   the closed form softmax - one_hot). Autograd's composition records
//   three to four nodes for the same sum; at small batches those nodes,
//   not the arithmetic, are the cost. Used on CPU float32; elsewhere the
//   LibTorch composition.
#pragma once

#include <torch/torch.h>

namespace mnemo::strategies {

/// sum_i -log softmax(logits[i] + head_mask[y[i]])[y[i]], a float scalar.
/// logits [n, K]; y int64 [n]; head_mask [K, K] additive (0 / -inf) or
/// undefined.
torch::Tensor softmax_cross_entropy_sum(const torch::Tensor& logits, const torch::Tensor& y,
                                        const torch::Tensor& head_mask = {});

}  // namespace mnemo::strategies
