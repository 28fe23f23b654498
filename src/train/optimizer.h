// Implements: optimizers over a flat parameter buffer, each one fused
//   update of the whole model, with torch.optim's formulas (so results
//   match PyTorch step for step):
//     sgd      g += wd*p; v = mu*v + g (v = g first); p -= lr*(mu ? v : g)
//     adam     g += wd*p; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
//              p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
//     adagrad  g += wd*p; s += g^2; p -= lr * g / (sqrt(s) + eps)
//     rmsprop  g += wd*p; v = a*v + (1-a)*g^2; d = g/(sqrt(v) + eps);
//              b = mu*b + d; p -= lr*(mu ? b : d)
//   and per-task learning-rate schedules over each task's steps:
//     constant; step (lr * gamma^k after the k-th milestone epoch);
//     cosine (lr * (1 + cos(pi * step / steps)) / 2).
//   Optimizer state is reset at every task start (as Mammoth re-creates
//   the optimizer per task).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "core/options.h"

namespace mnemo::train {

enum class OptimizerKind { kSgd, kAdam, kAdagrad, kRmsprop };
enum class LrSchedule { kConstant, kStep, kCosine };

struct OptimizerOptions {
  OptimizerKind name = OptimizerKind::kSgd;
  double lr = 0.1;
  double momentum = 0.0;         ///< sgd, rmsprop
  double weight_decay = 0.0;     ///< L2 added to the gradient
  double beta1 = 0.9, beta2 = 0.999;  ///< adam
  double alpha = 0.99;           ///< rmsprop smoothing
  double eps = -1;               ///< < 0: the optimizer's PyTorch default (adam/rmsprop 1e-8, adagrad 1e-10)
  LrSchedule schedule = LrSchedule::kConstant;
  std::vector<std::int64_t> milestones;  ///< step schedule: epochs at which lr *= gamma
  double gamma = 0.1;
  /// --optimizer, --lr, --momentum, --weight-decay, --lr-schedule,
  /// --lr-milestones, --lr-gamma (beta1/2, alpha, eps keep PyTorch's defaults).
  void declare(OptionTable& table);
};

class FlatOptimizer {
 public:
  virtual ~FlatOptimizer() = default;
  /// One update of `values` from `grads` with learning rate `lr`.
  virtual void step(torch::Tensor& values, const torch::Tensor& grads, double lr) = 0;
  /// Forgets moments and step counts.
  virtual void reset() = 0;
  /// The optimizer's state tensors by name (undefined ones are skipped on save).
  virtual std::vector<std::pair<std::string, torch::Tensor*>> state() = 0;
};

/// The optimizer of `options` (declared checks already passed).
std::unique_ptr<FlatOptimizer> make_optimizer(const OptimizerOptions& options);

/// Learning rate at (epoch, step) of a task with `steps` steps per epoch and `epochs` epochs.
double scheduled_lr(const OptimizerOptions& options, std::int64_t epoch, std::int64_t step, std::int64_t steps,
                    std::int64_t epochs);

}  // namespace mnemo::train
