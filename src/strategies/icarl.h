// Implements: `icarl`, incremental Classifier and Representation Learning
//   (Rebuffi et al., CVPR 2017):
//   - training: binary cross-entropy on the sigmoid outputs of the classes
//     seen so far, over [stream batch ; exemplar batch]; the targets are
//     one-hot on the current task's classes and, for the older classes, the
//     outputs of the model frozen at the task's start (distillation). Per
//     sample the BCE is a mean over the seen classes (as mammoth's
//     F.binary_cross_entropy_with_logits);
//   - memory: exemplars chosen by herding, m = C / (classes seen) per
//     class, greedily so that their mean feature (L2-normalised features of
//     the penultimate layer) approximates the class's; at each task end the
//     older classes keep their first m (herding order is priority order).
//     In domain-incremental streams, where every task has every class, an
//     exemplar set is per (task, class), and every class is "current", so
//     there is no distillation: iCaRL is a class-incremental method;
//   - classification: nearest mean of exemplars (NME), the class means
//     recomputed from the exemplars at each task end.
//   The paper replays the whole exemplar set with each task's data; here
//   each step draws --replay-batch exemplars, as the other replay strategies
//   do. Class-IL only: the head mask is not applied.
//   Distributed: every rank computes the features of its block of the task;
//   they are gathered (in rank order: the task's rows in order) into the
//   full feature matrix, so every rank runs the same herding; the chosen
//   images are gathered from the ranks that read them too, and every
//   rank assigns the same exemplar list to the global buffer (storing the
//   slots it owns). Every rank then holds all exemplars long enough to
//   compute the same class means. Nothing depends on the number of ranks.
#pragma once

#include <map>
#include <vector>

#include "strategies/replay_memory.h"

namespace mnemo::strategies {

class Icarl : public Strategy {
 public:
  Icarl(const StrategyOptions& options, const StrategyContext& context);
  void before_task(std::int64_t task) override;
  std::vector<LossTerm> loss(const Batch& batch) override;
  std::vector<std::string> loss_names() const override { return {"bce"}; }
  void after_task(const TaskSamples& samples) override;
  torch::Tensor predict(model::ModelImpl& model, const torch::Tensor& x) override;
  std::string summary() const override { return memory_.summary(); }
  ReplayMemory* memory() override { return &memory_; }
  void save_state(torch::serialize::OutputArchive& archive) const override;
  void load_state(torch::serialize::InputArchive& archive) override;

  /// Herding (iCaRL's Algorithm 4): `m` rows of `features` (L2-normalised,
  /// [n, D]) chosen in order so that the running mean of the chosen rows
  /// stays closest to the mean of all rows.
  static std::vector<std::int64_t> herd(const torch::Tensor& features, std::int64_t m);

 private:
  void set_task(std::int64_t task);
  std::vector<replay::Sample> all_exemplars() const;  // (collective)
  std::map<std::int64_t, std::vector<std::uint8_t>> gather_images(const std::vector<std::int64_t>& ids,
                                                                  const torch::Tensor& images) const;  // (collective)
  torch::Tensor normalized_features(const torch::Tensor& samples) const;

  StrategyOptions options_;
  StrategyContext context_;
  ReplayMemory memory_;
  model::Model teacher_;  // the model at the current task's start (task > 0)
  std::int64_t task_ = 0;
  std::int64_t groups_ = 0;  // (task, class) pairs of tasks 0..task_: the exemplar sets
  torch::Tensor seen_;      // int64 classes of tasks 0..task_
  torch::Tensor current_;   // bool [seen]: the class belongs to the current task
  torch::Tensor means_;     // float [classes, D]: exemplar means (zero rows: no exemplars)
  torch::Tensor has_mean_;  // bool [classes]
};

}  // namespace mnemo::strategies
