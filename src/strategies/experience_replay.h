// Implements: `er`, experience replay (Chaudhry et al. 2019, "On Tiny
//   Episodic Memories"; the DER paper's ER baseline, as in Mammoth):
//     loss = mean CE over [stream batch ; replay batch]
//   where the replay batch is drawn uniformly from a reservoir buffer, and
//   the stream batch is offered to the reservoir after each step.
//   Distributed: see replay_memory.h; the mean is over the global
//   concatenated batch (the trainer normalises by the global count).
#pragma once

#include "strategies/replay_memory.h"

namespace mnemo::strategies {

class ExperienceReplay : public Strategy {
 public:
  ExperienceReplay(const StrategyOptions& options, const StrategyContext& context)
      : context_(context), memory_(options, context, /*with_logits=*/false) {}
  std::vector<LossTerm> loss(const Batch& batch) override;
  void after_step(const Batch& batch) override { memory_.add(batch); }
  std::string summary() const override { return memory_.summary(); }

  const replay::ReplayBuffer& buffer() const { return memory_.buffer(); }
  ReplayMemory* memory() override { return &memory_; }

 private:
  StrategyContext context_;
  ReplayMemory memory_;
};

}  // namespace mnemo::strategies
