// Implements: the input of each task. A task trains on every row of each of
//   the strategy's training tasks (TaskPlan), concatenated, in global
//   batches; every rank forms the same global batches and trains on its
//   slice of each, so the batches do not depend on the number of ranks.
//   Each rank reads every label but only its slice's samples (the loader's
//   Share), plus, on demand, the few rows of other slices its replay shard
//   stores: the bytes read over N ranks stay about one rank's, not N times.
//   The order within an epoch depends on (seed, task, epoch) only. The next
//   epoch's loader is started ahead (across task boundaries too), so its
//   first window is in memory when the epoch begins; on one rank, a task
//   that fits one window is read once for all its epochs (a WindowMemo).
#pragma once

#include <atomic>
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

/// This rank's slice of a global batch, as its loader read it (the share's
/// images, every label): uint8 images, model input and labels, plus every
/// label and a reader of other ranks' rows (which adds the bytes it reads
/// to `bytes_read`). With `augment` enabled, x is augmented, row i named by
/// (`step`, its place in the global batch).
strategies::Batch rank_slice(std::int64_t t, data::LoadedBatch&& global, const data::StreamReader& stream,
                             const model::InputNorm& norm, const model::Augmenter& augment, std::int64_t step,
                             const torch::Device& device, std::shared_ptr<std::atomic<std::int64_t>> bytes_read);

/// This rank's block of task t's training rows (block_range), read on
/// demand (adding what it reads to `bytes_read`).
strategies::TaskSamples rank_block(const data::StreamReader& stream, std::int64_t t, int world_size, int rank,
                                   std::shared_ptr<std::atomic<std::int64_t>> bytes_read);

class TaskInput {
 public:
  /// This rank (of `world_size`) reads its share of every batch.
  TaskInput(const data::StreamReader& stream, const strategies::Strategy& strategy, const RunOptions& options,
            int world_size, int rank);

  TaskPlan plan(std::int64_t t) const { return plan_task(stream_, strategy_, t, options_.batch_size); }
  /// The loader of (t, epoch) from `first_step` on: the one read ahead when
  /// it is that one, else a new one.
  std::unique_ptr<data::BatchLoader> take(std::int64_t t, std::int64_t epoch, std::int64_t first_step);
  /// Starts reading (t, epoch) now (nothing past the last task).
  void prefetch(std::int64_t t, std::int64_t epoch);
  /// Starts reading the epoch after (t, epoch): the next epoch or task.
  void prefetch_after(std::int64_t t, std::int64_t epoch);

  /// A loader's epoch is over: its bytes count as read.
  void finished(const data::BatchLoader& loader) { *bytes_read_ += loader.bytes_read(); }
  /// This rank's slice of a batch of task t (rank_slice), counting what it reads.
  strategies::Batch slice(std::int64_t t, data::LoadedBatch&& global, const model::InputNorm& norm,
                          const model::Augmenter& augment, std::int64_t step, const torch::Device& device) const;
  /// This rank's block of task t (rank_block), counting what it reads.
  strategies::TaskSamples block(std::int64_t t) const;
  /// Bytes of training samples and labels this rank has read from the
  /// stream: finished epochs' loaders, other ranks' rows, blocks.
  std::int64_t bytes_read() const { return bytes_read_->load(); }

 private:
  std::unique_ptr<data::BatchLoader> make_loader(std::int64_t t, std::int64_t epoch, std::int64_t first_step,
                                                 const TaskPlan& plan) const;

  const data::StreamReader& stream_;
  const strategies::Strategy& strategy_;
  RunOptions options_;
  int world_size_ = 1, rank_ = 0;
  std::shared_ptr<data::WindowMemo> windows_ = std::make_shared<data::WindowMemo>();
  std::shared_ptr<std::atomic<std::int64_t>> bytes_read_ = std::make_shared<std::atomic<std::int64_t>>(0);
  std::unique_ptr<data::BatchLoader> next_;  // read ahead
  std::int64_t next_task_ = -1, next_epoch_ = -1;
};

}  // namespace mnemo::train
