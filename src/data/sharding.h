// Implements: which rank handles which samples. Pure functions of
//   (sample count, global batch, rank, world size): no communicator, so every
//   rank computes every other rank's share, and tests run in one process.
//
//   Training: the global batch B is split across ranks as evenly as possible
//   (b_r). Rank r owns a contiguous block of the task, sized in proportion to
//   b_r, so all ranks run the same number of steps; the ranks' blocks are
//   disjoint and together cover every sample. Samples are shuffled within a
//   task when the stream is prepared, so contiguous blocks are unbiased.
#pragma once

#include <cstdint>
#include <vector>

namespace mnemo::data {

struct Range {
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::int64_t size() const { return end - begin; }
  bool operator==(const Range& o) const { return begin == o.begin && end == o.end; }
};

/// Balanced contiguous split of [0, n) into `parts`; part `index`'s range.
Range block_range(std::int64_t n, int parts, int index);

/// Rank r's share of a training task.
struct TrainShard {
  Range samples;             ///< indices into the task's training split
  std::int64_t local_batch;  ///< b_r: this rank's part of the global batch
  std::int64_t steps;        ///< optimizer steps per epoch, equal on every rank
};

/// Throws UsageError when a rank would get no samples or an empty batch
/// (more ranks than samples, or a global batch smaller than the world).
TrainShard train_shard(std::int64_t n, std::int64_t global_batch, int world_size, int rank);

/// Rank r's share when several tasks are trained together (cumulative,
/// joint): its block of each task (train_shard), concatenated, so
/// samples = [0, sum of its blocks); steps is again equal on every rank.
TrainShard combined_shard(const std::vector<std::int64_t>& task_sizes, std::int64_t global_batch, int world_size,
                          int rank);

/// Local batch slice [begin, end) of step `step` within the rank's block
/// (may be empty on the last steps when blocks are uneven).
Range step_slice(const TrainShard& shard, std::int64_t step);

}  // namespace mnemo::data
