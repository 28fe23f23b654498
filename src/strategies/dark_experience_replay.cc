// Implements: DarkExperienceReplay.
#include "strategies/dark_experience_replay.h"

#include <array>

#include "strategies/fused_losses.h"
#include "strategies/loss_terms.h"

namespace mnemo::strategies {

void DerOptions::declare(OptionTable& t) {
  t.add("der-alpha", alpha, "der, derpp: weight of the logit-matching (MSE) term").at_least(0).finite();
  t.add("der-beta", beta, "derpp: weight of the replayed-label CE term").at_least(0).finite();
}

DarkExperienceReplay::DarkExperienceReplay(const StrategyOptions& o, const StrategyContext& c, bool plus_plus)
    : options_(o.params<DerOptions>()),
      context_(c),
      plus_plus_(plus_plus),
      one_forward_(c.model->samples_independent()),
      memory_(o, c, /*with_logits=*/true) {}

std::vector<LossTerm> DarkExperienceReplay::loss(const Batch& batch) {
  stream_logits_ = torch::Tensor();
  pending_ = batch;
  // The draws do not depend on the model, so both are made up front.
  const ReplayBatch r = memory_.sample();
  const ReplayBatch r2 = plus_plus_ ? memory_.sample() : ReplayBatch{};
  // Stream, replay and (DER++) second replay outputs: one forward over the
  // three batches where samples are independent (no BatchNorm; "fewer,
  // larger operators"), else one forward each, as Mammoth does.
  const std::array<torch::Tensor, 3> inputs = {batch.x, r.x, r2.x};
  const std::array<std::int64_t, 3> sizes = {batch.size(), r.size(), r2.size()};
  std::array<torch::Tensor, 3> outputs;
  if (one_forward_) {
    std::vector<torch::Tensor> parts;
    for (std::size_t i = 0; i < 3; ++i) {
      if (sizes[i] > 0) parts.push_back(inputs[i]);
    }
    if (!parts.empty()) {
      const torch::Tensor out = context_.model->forward(parts.size() == 1 ? parts[0] : torch::cat(parts));
      std::int64_t at = 0;
      for (std::size_t i = 0; i < 3; ++i) {
        if (sizes[i] == 0) continue;
        outputs[i] = out.narrow(0, at, sizes[i]);
        at += sizes[i];
      }
    }
  } else {
    for (std::size_t i = 0; i < 3; ++i) {
      if (sizes[i] > 0) outputs[i] = context_.model->forward(inputs[i]);
    }
  }
  std::vector<LossTerm> terms;
  if (sizes[0] > 0) {
    stream_logits_ = outputs[0].detach();
    terms.push_back(cross_entropy_of_logits(outputs[0], batch.y, context_.head_mask));
  } else {
    terms.push_back({torch::Tensor(), 0, 1.0});
  }
  // Per-sample mean over logits, summed over samples: the global mean is F.mse_loss.
  terms.push_back(sizes[1] > 0 ? LossTerm{squared_error_sum(outputs[1], r.logits), sizes[1], options_.alpha}
                               : LossTerm{torch::Tensor(), 0, options_.alpha});
  if (plus_plus_) {
    LossTerm ce = sizes[2] > 0 ? cross_entropy_of_logits(outputs[2], r2.y, context_.head_mask)
                               : LossTerm{torch::Tensor(), 0, 1.0};
    ce.weight = options_.beta;
    terms.push_back(ce);
  }
  return terms;
}

void DarkExperienceReplay::after_sync() { memory_.add(pending_, stream_logits_); }

}  // namespace mnemo::strategies
