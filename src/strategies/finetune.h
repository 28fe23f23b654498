// Implements: `finetune`, the lower bound: plain SGD on each task in turn,
//   nothing done against forgetting.
#pragma once

#include "strategies/strategy.h"

namespace mnemo::strategies {

class Finetune : public Strategy {
 public:
  explicit Finetune(const StrategyContext& context) : context_(context) {}
  std::vector<LossTerm> loss(const Batch& batch) override;

 private:
  StrategyContext context_;
};

}  // namespace mnemo::strategies
