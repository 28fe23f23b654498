// Implements: Finetune.
#include "strategies/finetune.h"

namespace mnemo::strategies {

std::vector<LossTerm> Finetune::loss(const Batch& batch) {
  if (batch.size() == 0) return {};
  return {cross_entropy_term(*context_.model, batch.x, batch.y, context_.head_mask)};
}

}  // namespace mnemo::strategies
