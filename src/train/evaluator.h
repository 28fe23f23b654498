// Implements: this rank's share of evaluation. Rank r holds block r
//   (block_range) of every task's test set, loaded once; evaluate() counts
//   class-IL hits (argmax over all classes) and task-IL hits (argmax over
//   the task's own classes) per task, without autograd.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "data/stream_reader.h"
#include "eval/eval_counts.h"
#include "model/model.h"

namespace mnemo::train {

class Evaluator {
 public:
  Evaluator(const data::StreamReader& stream, int world_size, int rank, torch::Device device,
            std::int64_t batch_size);
  /// Local counts on this rank's test slices (reduce them with eval::reduce_counts).
  eval::EvalCounts evaluate(model::ModelImpl& model) const;

 private:
  struct TaskTest {
    torch::Tensor images;   // uint8 [m, C, H, W] on the CPU
    torch::Tensor labels;   // int64 [m] on the device
    torch::Tensor classes;  // int64 task classes on the device
  };
  std::vector<TaskTest> tasks_;
  std::int64_t num_classes_;
  torch::Device device_;
  std::int64_t batch_size_;
};

}  // namespace mnemo::train
