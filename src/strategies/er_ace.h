// Implements: `er-ace`, ER with Asymmetric Cross-Entropy (Caccia et al.,
//   ICLR 2022): from task 1 on, the stream batch's CE only sees the logits
//   of the classes present in the (global) stream batch, so new classes do
//   not push old ones' logits down; the replay batch uses a plain CE over
//   all classes:  loss = CE_masked(stream) + CE(replay).
//   Distributed: the present-class set comes from the global batch's
//   labels, which every rank holds, so the mask equals a single process's
//   with no collective.
#pragma once

#include "strategies/replay_memory.h"

namespace mnemo::strategies {

class ErAce : public Strategy {
 public:
  ErAce(const StrategyOptions& options, const StrategyContext& context)
      : context_(context), memory_(options, context, /*with_logits=*/false) {}
  void before_task(std::int64_t task) override { task_ = task; }
  void save_state(torch::serialize::OutputArchive& archive) const override;
  void load_state(torch::serialize::InputArchive& archive) override;

  std::vector<LossTerm> loss(const Batch& batch) override;
  std::vector<std::string> loss_names() const override { return {"ce_stream", "ce_replay"}; }
  void after_step(const Batch& batch) override { memory_.add(batch); }
  std::string summary() const override { return memory_.summary(); }
  ReplayMemory* memory() override { return &memory_; }

 private:
  StrategyContext context_;
  ReplayMemory memory_;
  std::int64_t task_ = 0;
};

}  // namespace mnemo::strategies
