// Implements: the shared loss terms (see loss_terms.h).
#include "strategies/loss_terms.h"

#include <limits>

#include "strategies/fused_losses.h"

namespace mnemo::strategies {

LossTerm cross_entropy_term(model::ModelImpl& model, const torch::Tensor& x, const torch::Tensor& y,
                            const torch::Tensor& head_mask) {
  return cross_entropy_of_logits(model.forward(x), y, head_mask);
}

LossTerm cross_entropy_of_logits(const torch::Tensor& logits, const torch::Tensor& y, const torch::Tensor& head_mask) {
  return {softmax_cross_entropy_sum(logits, y, head_mask), y.size(0), 1.0};
}

torch::Tensor make_head_mask(const std::vector<std::vector<std::int64_t>>& task_classes, std::int64_t num_classes) {
  torch::Tensor mask = torch::full({num_classes, num_classes}, -std::numeric_limits<float>::infinity());
  for (const auto& classes : task_classes) {
    for (auto c : classes) {
      for (auto d : classes) mask[c][d] = 0.0f;
    }
  }
  return mask;
}

}  // namespace mnemo::strategies
