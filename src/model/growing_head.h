// Implements: a classifier that grows with the classes of the stream
//   (`--growing-head`, for the built-in models and TorchScript models with
//   a features method), as Avalanche's IncrementalClassifier does.
//
//   Formula. The body is the built-in model without its last layer (a
//   TorchScript model keeps its own head, frozen and unused); its
//   features f [N, D] feed one linear block per task that brought new
//   classes: block k maps f to the logits of the classes task k saw first
//   (in the stream's order). The logits of every class are assembled at the
//   class ids' places; a class no task has brought yet gets -inf, so it has
//   zero probability, receives no gradient and is never predicted (the
//   same effect as the per-task head mask's -inf, but its parameters do
//   not exist yet).
//
//   Growth. grow_to_task(t) adds the blocks of tasks up to t that bring
//   new classes; earlier blocks keep their weights and keep training (this
//   is class-IL). A new block is initialised by the run's --weight-init
//   rule (LibTorch's U(-1/sqrt(D), 1/sqrt(D)) for weights and biases, or
//   Xavier-uniform weights and zero biases), drawn from the model's seed
//   and the task alone, so every rank and every world size build the same
//   numbers. After the tasks so far have brought C' classes the head holds
//   D C' + C' parameters (the fixed head: D C + C).
//
//   Distributed semantics. Every rank grows at the same task start; the
//   trainer then rebuilds the flat buffers, the gradient buckets and the
//   optimizer state (parameters appear, none freeze).
#pragma once

#include "model/model.h"

namespace mnemo::model {

class GrowingHeadImpl : public ModelImpl {
 public:
  /// `body`: a built-in model built without its last layer (num_classes 0), or a TorchScript model;
  /// `features`: its feature width D; `task_classes`: the stream's classes per task.
  GrowingHeadImpl(Model body, std::int64_t features, std::int64_t num_classes,
                  std::vector<std::vector<std::int64_t>> task_classes, WeightInit init, std::uint64_t seed);
  torch::Tensor forward(torch::Tensor x) override;
  torch::Tensor features(torch::Tensor x) override { return body_->features(x); }
  bool has_features() const override { return true; }
  bool samples_independent() const override { return body_->samples_independent(); }
  bool grow_to_task(std::int64_t task) override;

  /// Classes with a block so far.
  std::int64_t active_classes() const;
  std::size_t blocks() const { return blocks_.size(); }

 private:
  void add_block(std::int64_t task, const std::vector<std::int64_t>& classes);

  Model body_;
  std::int64_t features_, num_classes_;
  std::vector<std::vector<std::int64_t>> task_classes_;
  WeightInit init_;
  std::uint64_t seed_;
  std::int64_t grown_ = -1;  // the last task grown to
  std::vector<torch::nn::Linear> blocks_;
  std::vector<std::int64_t> block_classes_;  // the classes of the blocks, in block order
  torch::Tensor order_;  // buffer [num_classes]: each class's column in [blocks' logits ; -inf]
};

/// Wraps the model `options` names (a built-in one rebuilt without its last
/// layer, as `build` makes it with num_classes 0) in a growing head; body
/// parameters features() does not read are frozen. UsageError for models
/// with no feature layer.
Model make_growing_head(const ModelOptions& options, const std::function<Model(const ModelOptions&)>& build);

}  // namespace mnemo::model
