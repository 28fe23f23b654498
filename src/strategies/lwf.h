// Implements: `lwf`, Learning without Forgetting (Li & Hoiem, 2016/2017),
//   for a single head: before task t > 0 the current model is frozen as the
//   teacher; the loss is
//     CE(stream) + alpha * T^2 * KL(softmax(teacher_old / T) || softmax(student_old / T))
//   where *_old are the logits of the classes of tasks 0..t-1 (the KL is
//   per sample, averaged over the global batch).
//   Distributed: every rank holds the same teacher (a copy of the
//   synchronised model); the terms are per-sample sums like any other.
#pragma once

#include "strategies/strategy.h"

namespace mnemo::strategies {

/// --lwf-alpha, --lwf-temperature.
struct LwfOptions {
  double alpha = 1.0;        ///< weight of the distillation term
  double temperature = 2.0;  ///< softmax temperature
  void declare(OptionTable& table);
};

class Lwf : public Strategy {
 public:
  Lwf(const StrategyOptions& options, const StrategyContext& context)
      : options_(options.params<LwfOptions>()), context_(context) {}
  void before_task(std::int64_t task) override;
  void save_state(torch::serialize::OutputArchive& archive) const override;
  void load_state(torch::serialize::InputArchive& archive) override;

  std::vector<LossTerm> loss(const Batch& batch) override;
  std::vector<std::string> loss_names() const override { return {"ce", "distillation"}; }

  /// Sum over samples of T^2 * KL(softmax(teacher/T) || softmax(student/T)).
  static torch::Tensor distillation(const torch::Tensor& student, const torch::Tensor& teacher, double temperature);

 private:
  LwfOptions options_;
  StrategyContext context_;
  model::Model teacher_;
  torch::Tensor old_classes_;
};

}  // namespace mnemo::strategies
