// Implements: the baselines.
//   `finetune`: plain SGD on each task in turn (the lower bound).
//   `cumulative`: at task t, train on the union of tasks 0..t.
//   `joint`: the upper bound: nothing until the last task, then train on
//            every task at once (rows before it are the untrained model's).
#pragma once

#include "strategies/strategy.h"

namespace mnemo::strategies {

class Finetune : public Strategy {
 public:
  explicit Finetune(const StrategyContext& context) : context_(context) {}
  std::vector<LossTerm> loss(const Batch& batch) override;

 protected:
  StrategyContext context_;
};

class Cumulative : public Finetune {
 public:
  using Finetune::Finetune;
  std::vector<std::int64_t> training_tasks(std::int64_t task, std::int64_t) const override;
};

class Joint : public Finetune {
 public:
  using Finetune::Finetune;
  std::vector<std::int64_t> training_tasks(std::int64_t task, std::int64_t num_tasks) const override;
};

}  // namespace mnemo::strategies
