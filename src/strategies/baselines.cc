// Implements: Finetune, Cumulative, Joint.
#include "strategies/baselines.h"

#include "strategies/loss_terms.h"

#include <numeric>

namespace mnemo::strategies {

std::vector<LossTerm> Finetune::loss(const Batch& batch) {
  if (batch.size() == 0) return {};
  return {cross_entropy_term(*context_.model, batch.x, batch.y, context_.head_mask)};
}

std::vector<std::int64_t> Cumulative::training_tasks(std::int64_t task, std::int64_t) const {
  std::vector<std::int64_t> out(static_cast<std::size_t>(task + 1));
  std::iota(out.begin(), out.end(), 0);
  return out;
}

std::vector<std::int64_t> Joint::training_tasks(std::int64_t task, std::int64_t num_tasks) const {
  if (task + 1 < num_tasks) return {};
  return Cumulative(context_).training_tasks(task, num_tasks);
}

}  // namespace mnemo::strategies
