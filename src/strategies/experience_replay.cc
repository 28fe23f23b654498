// Implements: ExperienceReplay.
#include "strategies/experience_replay.h"

#include "strategies/loss_terms.h"

namespace mnemo::strategies {

std::vector<LossTerm> ExperienceReplay::loss(const Batch& batch) {
  const ReplayBatch r = memory_.sample();
  if (r.size() == 0) {
    if (batch.size() == 0) return {};
    return {cross_entropy_term(*context_.model, batch.x, batch.y, context_.head_mask)};
  }
  const torch::Tensor x = batch.size() > 0 ? torch::cat({batch.x, r.x}) : r.x;
  const torch::Tensor y = batch.size() > 0 ? torch::cat({batch.y, r.y}) : r.y;
  return {cross_entropy_term(*context_.model, x, y, context_.head_mask)};
}

}  // namespace mnemo::strategies
