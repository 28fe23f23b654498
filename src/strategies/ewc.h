// Implements: `ewc`, online Elastic Weight Consolidation (Kirkpatrick et
//   al. 2017; online form of Schwarz et al. 2018, as Mammoth's ewc_on).
//   After task t, the empirical Fisher diagonal over the task's samples
//     F_t = 1/n sum_i p(y_i|x_i) * (d log p(y_i|x_i) / d theta)^2
//   is accumulated as F <- gamma * F + F_t and theta* <- theta. While
//   training later tasks the penalty lambda * sum F (theta - theta*)^2 adds
//   2 lambda F (theta - theta*) to the (already all-reduced) gradient.
//   Distributed: each rank sums over its own block; the sums and counts are
//   all-reduced, so F is exactly the Fisher over the whole task.
#pragma once

#include "strategies/strategy.h"

namespace mnemo::strategies {

/// --ewc-lambda, --ewc-gamma.
struct EwcOptions {
  double lambda = 100.0;  ///< penalty weight
  double gamma = 1.0;     ///< decay of the old Fisher (online EWC; 1 = sum)
  void declare(OptionTable& table);
};

class Ewc : public Strategy {
 public:
  Ewc(const StrategyOptions& options, const StrategyContext& context)
      : options_(options.params<EwcOptions>()), context_(context) {}
  std::vector<LossTerm> loss(const Batch& batch) override;
  void after_sync() override;
  void after_task(const TaskSamples& samples) override;

  /// lambda * sum F (theta - theta*)^2 at `theta` (0 before the first task ends).
  double penalty(const torch::Tensor& theta) const;
  const torch::Tensor& fisher() const { return fisher_; }
  void save_state(torch::serialize::OutputArchive& archive) const override;
  void load_state(torch::serialize::InputArchive& archive) override;


 private:
  EwcOptions options_;
  StrategyContext context_;
  torch::Tensor fisher_, anchor_;
};

}  // namespace mnemo::strategies
