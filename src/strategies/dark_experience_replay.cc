// Implements: DarkExperienceReplay.
#include "strategies/dark_experience_replay.h"

#include "strategies/fused_losses.h"

namespace mnemo::strategies {

DarkExperienceReplay::DarkExperienceReplay(const StrategyOptions& o, const StrategyContext& c, bool plus_plus)
    : options_(o), context_(c), plus_plus_(plus_plus), memory_(o, c, /*with_logits=*/true) {}

std::vector<LossTerm> DarkExperienceReplay::loss(const Batch& batch) {
  std::vector<LossTerm> terms;
  stream_logits_ = torch::Tensor();
  pending_ = batch;
  if (batch.size() > 0) {
    const torch::Tensor logits = context_.model->forward(batch.x);
    stream_logits_ = logits.detach();
    terms.push_back(cross_entropy_of_logits(logits, batch.y, context_.head_mask));
  } else {
    terms.push_back({torch::Tensor(), 0, 1.0});
  }
  const ReplayBatch r = memory_.sample();
  if (r.size() > 0) {
    const torch::Tensor out = context_.model->forward(r.x);
    // Per-sample mean over logits, summed over samples: the global mean is F.mse_loss.
    const torch::Tensor mse = squared_error_sum(out, r.logits);
    terms.push_back({mse, r.size(), options_.der_alpha});
  } else {
    terms.push_back({torch::Tensor(), 0, options_.der_alpha});
  }
  if (plus_plus_) {
    const ReplayBatch r2 = memory_.sample();
    if (r2.size() > 0) {
      LossTerm ce = cross_entropy_term(*context_.model, r2.x, r2.y, context_.head_mask);
      ce.weight = options_.der_beta;
      terms.push_back(ce);
    } else {
      terms.push_back({torch::Tensor(), 0, options_.der_beta});
    }
  }
  return terms;
}

void DarkExperienceReplay::after_sync() { memory_.add(pending_, stream_logits_); }

}  // namespace mnemo::strategies
