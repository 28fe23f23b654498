// Implements: `si`, Synaptic Intelligence (Zenke et al., ICML 2017).
//   Each step, omega += -g * delta_theta (g: the gradient used for the
//   update, penalty included; delta_theta: the update). After each task,
//   Omega += omega / ((theta - theta_task_start)^2 + xi), omega <- 0 and
//   theta* <- theta. The penalty c * sum Omega (theta - theta*)^2 adds
//   2 c Omega (theta - theta*) to the all-reduced gradient.
//   Distributed: g and theta are identical on every rank, so omega and
//   Omega are too; no extra communication.
#pragma once

#include "strategies/strategy.h"

namespace mnemo::strategies {

/// --si-c, --si-xi.
struct SiOptions {
  double c = 0.5;   ///< penalty weight
  double xi = 1.0;  ///< damping
  void declare(OptionTable& table);
};

class Si : public Strategy {
 public:
  Si(const StrategyOptions& options, const StrategyContext& context)
      : options_(options.params<SiOptions>()), context_(context) {}
  void before_task(std::int64_t task) override;
  std::vector<LossTerm> loss(const Batch& batch) override;
  void after_sync() override;
  void after_step(const Batch& batch) override;
  void after_task(const TaskSamples& samples) override;
  const torch::Tensor& importance() const { return big_omega_; }
  void save_state(torch::serialize::OutputArchive& archive) const override;
  void load_state(torch::serialize::InputArchive& archive) override;


 private:
  SiOptions options_;
  StrategyContext context_;
  torch::Tensor small_omega_, big_omega_, anchor_, task_start_, previous_, last_grad_;
};

}  // namespace mnemo::strategies
