// Implements: the sharding functions described in sharding.h.
#include "data/sharding.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace mnemo::data {

Range block_range(std::int64_t n, int parts, int index) {
  MNEMO_ASSERT(parts > 0 && index >= 0 && index < parts && n >= 0, "bad block_range arguments");
  const std::int64_t base = n / parts, extra = n % parts;
  const std::int64_t begin = index * base + std::min<std::int64_t>(index, extra);
  return {begin, begin + base + (index < extra ? 1 : 0)};
}

TrainShard train_shard(std::int64_t n, std::int64_t global_batch, int world_size, int rank) {
  if (global_batch < world_size) {
    throw UsageError(with_hint("the global batch size " + std::to_string(global_batch) + " is smaller than the " +
                                   std::to_string(world_size) + " ranks",
                               "raise --batch-size to at least the number of ranks, or run fewer ranks"));
  }
  if (n < world_size) {
    throw UsageError(with_hint("a task has " + std::to_string(n) + " training samples but the job has " +
                                   std::to_string(world_size) + " ranks",
                               "run at most " + std::to_string(n) + " ranks, or prepare a larger stream"));
  }
  // Batch offsets c_r; rank r owns samples [n*c_r/B, n*c_{r+1}/B).
  TrainShard out{};
  std::int64_t steps = 0;
  for (int q = 0; q < world_size; ++q) {
    const Range b = block_range(global_batch, world_size, q);
    const Range s{n * b.begin / global_batch, n * b.end / global_batch};
    MNEMO_ASSERT(s.size() >= 1, "empty training shard despite n >= world size");
    steps = std::max(steps, (s.size() + b.size() - 1) / b.size());
    if (q == rank) out = TrainShard{s, b.size(), 0};
  }
  out.steps = steps;
  return out;
}

TrainShard combined_shard(const std::vector<std::int64_t>& task_sizes, std::int64_t global_batch, int world_size,
                          int rank) {
  TrainShard out{};
  std::int64_t steps = 0;
  for (int q = 0; q < world_size; ++q) {
    std::int64_t total = 0, batch = 0;
    for (auto n : task_sizes) {
      const TrainShard s = train_shard(n, global_batch, world_size, q);
      total += s.samples.size();
      batch = s.local_batch;
    }
    if (batch > 0) steps = std::max(steps, (total + batch - 1) / batch);
    if (q == rank) out = TrainShard{{0, total}, batch, 0};
  }
  out.steps = steps;
  return out;
}

Range step_slice(const TrainShard& shard, std::int64_t step) {
  const std::int64_t n = shard.samples.size();
  const std::int64_t begin = std::min(n, step * shard.local_batch);
  return {begin, std::min(n, begin + shard.local_batch)};
}

}  // namespace mnemo::data
