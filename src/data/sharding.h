// Implements: which rank handles which samples. Pure functions of
//   (sample count, global batch, rank, world size): no communicator, so every
//   rank computes every other rank's share, and tests run in one process.
//
//   Training: every rank reads the same global batch of B samples and
//   trains on its slice, block_range(batch size, N, r); evaluation: rank r
//   takes block_range(test count, N, r) of each task.
#pragma once

#include <cstdint>

namespace mnemo::data {

struct Range {
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::int64_t size() const { return end - begin; }
  bool operator==(const Range& o) const { return begin == o.begin && end == o.end; }
};

/// Balanced contiguous split of [0, n) into `parts`; part `index`'s range.
Range block_range(std::int64_t n, int parts, int index);

/// Throws UsageError when data-parallel training cannot give every rank
/// work: a global batch smaller than the world, or a task with fewer
/// training samples than ranks (the message names `task`).
void check_data_parallel(std::int64_t task, std::int64_t task_samples, std::int64_t global_batch, int world_size);

}  // namespace mnemo::data
