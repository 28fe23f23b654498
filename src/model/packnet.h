// Implements: PackNet (Mallya & Lazebnik 2018), parameter isolation by
//   iterative pruning, over the MLP (`--model packnet`, task-incremental).
//
//   Formula. Every weight w of every layer has an owner o(w): -1 while it is
//   free, else the task that kept it. Task t trains the free weights, with
//   the weights of tasks 0..t-1 in the forward pass but fixed. After a
//   fraction 1 - r of the task's steps (r = --packnet-retrain), in every
//   layer the floor(p * n) free weights of smallest |w| (p =
//   --packnet-prune, n the layer's free weights; ties by index) are pruned:
//   set to 0 and left free for later tasks; the rest become task t's. The
//   task's last steps retrain only the weights it kept. A sample of task j
//   is predicted with the weights of tasks 0..j (the rest masked to 0), so
//   a later task never changes an earlier task's function: task-IL
//   backward transfer is exactly 0. Hidden biases are trained with task 0
//   and fixed afterwards, as in the paper; an output row's bias by the first
//   task with that class (its own offset), then fixed. In the output layer task t trains,
//   prunes and keeps only the rows of its own classes (the paper's
//   per-task heads; on a domain-incremental stream every task has every
//   row); other free rows keep their initial values for their task. A layer's
//   free weights go from n to floor(p n) with each task that uses them, so
//   p must leave at least one for the stream's last task (checked at
//   start: capacity_problem).
//
//   Distributed semantics. The owners are buffers (int64), identical on
//   every rank, checkpointed and exported with the weights. Pruning decides
//   from the weights, which the all-reduced gradients keep identical on
//   every rank, with a stable sort, so every rank prunes the same weights.
//   The flat buffer holds every weight (the masks are within tensors):
//   fixed weights get zero gradient (their part of the forward is
//   detached) and are restored after every optimizer step (momentum and
//   weight decay must not move them), so the all-reduce still carries
//   their zeros; the progressive network is the one whose bytes shrink.
#pragma once

#include "model/model.h"

namespace mnemo::model {

class PackNetImpl : public ModelImpl {
 public:
  /// `widths`: input, hidden..., classes; p = `prune`, r = `retrain` (header);
  /// `task_classes`: each task's classes (empty: every task may use every output row).
  PackNetImpl(const std::vector<std::int64_t>& widths, double prune, double retrain,
              std::vector<std::vector<std::int64_t>> task_classes = {});
  torch::Tensor forward(torch::Tensor x) override;
  bool grow_to_task(std::int64_t task) override;
  void use_task(std::int64_t task) override { answer_ = task; }
  std::int64_t task_in_use() const override { return answer_; }
  bool needs_task_identity() const override { return true; }
  void after_optimizer_step(std::int64_t task, std::int64_t done, std::int64_t total) override;
  std::int64_t trained_elements() const override;
  std::string capacity_problem(std::int64_t tasks) const override;

  std::size_t layers() const { return layers_.size(); }
  /// Owner of every weight of layer l (-1: free).
  const torch::Tensor& owners(std::size_t layer) const { return owners_[layer]; }
  /// The step after which task `task` (with `total` steps) prunes.
  std::int64_t prune_step(std::int64_t total) const;
  /// Prunes task `training_`'s free weights now (normally after_optimizer_step's job).
  void prune();

 private:
  // Masks and fixed values from the owners and weights; true when the
  // biases' trainability changed.
  bool refresh();

  std::vector<torch::nn::Linear> layers_;
  std::vector<torch::Tensor> owners_;  // buffers, int64, like each layer's weight
  torch::Tensor pruned_task_;          // buffer: the last task that pruned (-1: none)
  torch::Tensor first_task_;           // buffer: each output row's first task (its bias's owner)
  double prune_, retrain_;
  std::vector<std::vector<std::int64_t>> task_classes_;
  std::int64_t training_ = 0;  // the task being trained
  std::int64_t answer_ = 0;    // the task forward() answers for
  bool kept_ = false;          // the training task has pruned: its kept weights retrain
  /// The output rows task `task` may use, as a [classes, 1] 0/1 mask.
  torch::Tensor head_rows(std::int64_t task) const;
  // Per layer, for the training task: which weights train, and the fixed
  // weights' values (zeros where weights train or were pruned).
  std::vector<torch::Tensor> trains_, fixed_;
  std::vector<torch::Tensor> idle_;  // values of the free weights this task may not use (restored)
  torch::Tensor bias_trains_, bias_fixed_, bias_idle_;  // the same for the output biases
  /// Each output row's first task (the one that trains its bias), from the task classes.
  torch::Tensor first_tasks() const;
};

/// Factory for the registry ("packnet").
Model make_packnet(const ModelOptions& options);

}  // namespace mnemo::model
