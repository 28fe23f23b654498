// Implements: `der` and `derpp`, Dark Experience Replay (Buzzega et al.,
//   NeurIPS 2020). The buffer (reservoir) stores each sample's logits as
//   the model produced them when the sample was seen.
//     der:   loss = CE(stream) + alpha * MSE(f(x'), z')        (x', z') ~ buffer
//     derpp: loss = der + beta * CE(f(x''), y'')               (x'', y'') ~ buffer, drawn independently
//   Each term is a mean over its own global batch (MSE: over samples, of
//   the squared error summed over the logits / logit count, as F.mse_loss).
//   Distributed: buffer shards and replay batches as in replay_memory.h.
//   The stream and replay batches go through one forward pass when the
//   model's samples are independent (no BatchNorm), else one pass each.
#pragma once

#include "strategies/replay_memory.h"

namespace mnemo::strategies {

/// --der-alpha, --der-beta (der and derpp).
struct DerOptions {
  double alpha = 0.3;  ///< weight of the logit-matching (MSE) term
  double beta = 0.5;   ///< derpp: weight of the replayed-label CE term
  void declare(OptionTable& table);
};

class DarkExperienceReplay : public Strategy {
 public:
  DarkExperienceReplay(const StrategyOptions& options, const StrategyContext& context, bool plus_plus);
  std::vector<LossTerm> loss(const Batch& batch) override;
  std::vector<std::string> loss_names() const override {
    if (plus_plus_) return {"ce_stream", "logit_mse", "ce_replay"};
    return {"ce_stream", "logit_mse"};
  }
  /// Stores the stream batch before the optimizer step, so a row another
  /// rank processed gets the logits of the same parameters.
  void after_sync() override;
  std::string summary() const override { return memory_.summary(); }
  ReplayMemory* memory() override { return &memory_; }

 private:
  DerOptions options_;
  StrategyContext context_;
  bool plus_plus_;
  bool one_forward_;  // the model's samples are independent: batches share a forward pass
  ReplayMemory memory_;
  Batch pending_;                // the last stream batch, stored in after_sync
  torch::Tensor stream_logits_;  // its logits on this rank's rows
};

}  // namespace mnemo::strategies
