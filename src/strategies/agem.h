// Implements: `agem`, Averaged GEM (Chaudhry et al., ICLR 2019), with a
//   reservoir memory (as Mammoth's agem_r). After the stream gradient g is
//   all-reduced, the reference gradient g_ref of a memory batch is computed
//   and all-reduced too (so both are global); if g . g_ref < 0 then
//     g <- g - (g . g_ref / g_ref . g_ref) g_ref
//   which makes the update's dot product with g_ref zero instead of negative.
//   Projection starts with task 1, when every rank's shard holds samples of
//   past tasks; every rank then issues the extra all-reduce on every step
//   (a rank whose replay share is 0 contributes an empty term).
#pragma once

#include "strategies/replay_memory.h"

namespace mnemo::strategies {

class Agem : public Strategy {
 public:
  Agem(const StrategyOptions& options, const StrategyContext& context)
      : context_(context), memory_(options, context, /*with_logits=*/false) {}
  void before_task(std::int64_t task) override { task_ = task; }
  void save_state(torch::serialize::OutputArchive& archive) const override;
  void load_state(torch::serialize::InputArchive& archive) override;

  std::vector<LossTerm> loss(const Batch& batch) override;
  void after_sync() override;
  void after_step(const Batch& batch) override { memory_.add(batch); }
  std::string summary() const override { return memory_.summary(); }
  ReplayMemory* memory() override { return &memory_; }

  /// The projection, exposed for tests: returns g projected against g_ref.
  static torch::Tensor project(const torch::Tensor& g, const torch::Tensor& g_ref);

 private:
  StrategyContext context_;
  ReplayMemory memory_;
  std::int64_t task_ = 0;
};

}  // namespace mnemo::strategies
