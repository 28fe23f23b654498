// Implements: the input of each task. A task trains on every row of each of
//   the strategy's training tasks (TaskPlan), concatenated, in global
//   batches; every rank reads the same global batches and trains on its
//   slice of each, so the batches do not depend on the number of ranks.
//   The order within an epoch depends on (seed, task, epoch) only. The next
//   epoch's loader is started ahead (across task boundaries too), so its
//   first window is in memory when the epoch begins; a task that fits one
//   window is read once for all its epochs (a shared WindowMemo).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <torch/torch.h>

#include "data/batch_loader.h"
#include "data/stream_reader.h"
#include "strategies/strategy.h"
#include "train/train_options.h"

namespace mnemo::train {

/// What training one task reads.
struct TaskPlan {
  std::vector<data::Segment> segments;  ///< every row of each training task
  std::int64_t rows = 0;                ///< their total
  std::int64_t steps = 0;               ///< optimizer steps per epoch: ceil(rows / batch size)
};

/// The plan of task t: the strategy's training tasks (none: no steps).
TaskPlan plan_task(const data::StreamReader& stream, const strategies::Strategy& strategy, std::int64_t t,
                   std::int64_t batch_size);

/// This rank's slice of a global batch (every rank reads the whole one):
/// block_range of its rows, as uint8 images, model input and labels.
/// With `augment` enabled, x is augmented, row i named by (`step`, its
/// place in the global batch).
strategies::Batch rank_slice(std::int64_t t, data::SampleBlock&& global, const data::SampleFormat& format,
                             const model::InputNorm& norm, const model::Augmenter& augment, std::int64_t step,
                             int world_size, int rank, const torch::Device& device);

/// This rank's block of task t's training rows (block_range), read on demand.
strategies::TaskSamples rank_block(const data::StreamReader& stream, std::int64_t t, int world_size, int rank);

class TaskInput {
 public:
  TaskInput(const data::StreamReader& stream, const strategies::Strategy& strategy, const RunOptions& options);

  TaskPlan plan(std::int64_t t) const { return plan_task(stream_, strategy_, t, options_.batch_size); }
  /// The loader of (t, epoch) from `first_step` on: the one read ahead when
  /// it is that one, else a new one.
  std::unique_ptr<data::BatchLoader> take(std::int64_t t, std::int64_t epoch, std::int64_t first_step);
  /// Starts reading (t, epoch) now (nothing past the last task).
  void prefetch(std::int64_t t, std::int64_t epoch);
  /// Starts reading the epoch after (t, epoch): the next epoch or task.
  void prefetch_after(std::int64_t t, std::int64_t epoch);

 private:
  std::unique_ptr<data::BatchLoader> make_loader(std::int64_t t, std::int64_t epoch, std::int64_t first_step,
                                                 const TaskPlan& plan) const;

  const data::StreamReader& stream_;
  const strategies::Strategy& strategy_;
  RunOptions options_;
  std::shared_ptr<data::WindowMemo> windows_ = std::make_shared<data::WindowMemo>();
  std::unique_ptr<data::BatchLoader> next_;  // read ahead
  std::int64_t next_task_ = -1, next_epoch_ = -1;
};

}  // namespace mnemo::train
