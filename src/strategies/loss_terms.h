// Implements: the loss terms strategies share: summed cross-entropy (with an
//   optional per-task head mask) and the head mask itself.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "model/model.h"
#include "strategies/strategy.h"

namespace mnemo::strategies {

/// Summed cross-entropy of `model` on (x, y) as a loss term; with a head
/// mask, over each sample's own task's classes only.
LossTerm cross_entropy_term(model::ModelImpl& model, const torch::Tensor& x, const torch::Tensor& y,
                            const torch::Tensor& head_mask = {});

/// Summed cross-entropy of given logits (with the head mask, if any).
LossTerm cross_entropy_of_logits(const torch::Tensor& logits, const torch::Tensor& y,
                                 const torch::Tensor& head_mask = {});

/// The [C, C] head mask for tasks' disjoint class lists: row c is 0 on the
/// classes of c's task and -inf elsewhere.
torch::Tensor make_head_mask(const std::vector<std::vector<std::int64_t>>& task_classes, std::int64_t num_classes);

}  // namespace mnemo::strategies
