// Implements: `er`, experience replay (Chaudhry et al. 2019, "On Tiny
//   Episodic Memories"; the DER paper's ER baseline, as in Mammoth):
//     loss = mean CE over [stream batch ; replay batch]
//   where the replay batch is drawn uniformly from a reservoir buffer, and
//   the stream batch is offered to the reservoir after each step.
//
//   Distributed semantics: each rank holds a shard of the global buffer
//   (capacity split by local_share) filled from its own data shard, and
//   draws its share of the global replay batch from it. The mean is over the
//   global concatenated batch (the trainer normalises by the global count).
#pragma once

#include "replay/reservoir_buffer.h"
#include "strategies/strategy.h"

namespace mnemo::strategies {

class ExperienceReplay : public Strategy {
 public:
  ExperienceReplay(const StrategyOptions& options, const StrategyContext& context);
  std::vector<LossTerm> loss(const Batch& batch) override;
  void after_step(const Batch& batch) override;
  std::string summary() const override;

  const replay::ReservoirBuffer& buffer() const { return buffer_; }

 private:
  StrategyContext context_;
  std::int64_t local_replay_batch_;
  replay::ReservoirBuffer buffer_;
};

}  // namespace mnemo::strategies
