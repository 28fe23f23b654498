// Implements: this rank's share of evaluation. Rank r evaluates block r
//   (block_range) of every task's test (or validation) split and counts
//   class-IL hits (argmax over all classes) and task-IL hits (argmax over
//   the task's own classes) per task, without autograd. Tasks are kept in
//   memory while they fit a cache budget; the rest are streamed from the
//   shards at every evaluation, so memory stays bounded for long streams.
//   Task-aware networks (progressive columns) answer each task's slice
//   with that task's column (model.use_task), then return to the training
//   task's.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

#include "core/options.h"
#include "data/stream_reader.h"
#include "eval/eval_counts.h"
#include "model/input.h"
#include "model/model.h"

namespace mnemo::train {

struct EvalOptions {
  data::Split split = data::Split::kTest;
  std::int64_t batch_size = 1000;  ///< samples per forward pass, per rank
  double cache_mb = 256;           ///< evaluation samples kept in memory per rank, MiB
  /// --eval-split, --eval-batch, --eval-cache-mb.
  void declare(OptionTable& table);
};

class Evaluator {
 public:
  /// UsageError when `split` is val and the stream has no validation split.
  Evaluator(const data::StreamReader& stream, int world_size, int rank, torch::Device device, EvalOptions options);
  /// Class scores of a batch (argmax = prediction); default: the model's logits.
  using Predict = std::function<torch::Tensor(model::ModelImpl&, const torch::Tensor&)>;
  /// Local counts on this rank's slices (reduce them with eval::reduce_counts).
  eval::EvalCounts evaluate(model::ModelImpl& model, const Predict& predict = {}) const;

 private:
  struct TaskSlice {
    data::Range rows;       // this rank's rows of the task's split
    torch::Tensor images;   // uint8 [m, C, H, W] on the CPU, when cached
    torch::Tensor labels;   // int64 [m] on the CPU, when cached
    torch::Tensor classes;  // int64 task classes on the device
  };
  void count(model::ModelImpl& model, const Predict& predict, const TaskSlice& task, const torch::Tensor& images,
             const torch::Tensor& labels, std::int64_t& hits_c, std::int64_t& hits_t, torch::Tensor& confusion,
             torch::Tensor& confusion_task_il) const;

  const data::StreamReader& stream_;
  model::InputNorm norm_;
  EvalOptions options_;
  std::vector<TaskSlice> tasks_;
  std::int64_t num_classes_;
  torch::Device device_;
};

}  // namespace mnemo::train
