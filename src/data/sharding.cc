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

void check_data_parallel(std::int64_t task, std::int64_t n, std::int64_t global_batch, int world_size) {
  if (global_batch < world_size) {
    throw UsageError(with_hint("the global batch size " + std::to_string(global_batch) + " is smaller than the " +
                                   std::to_string(world_size) + " ranks",
                               "raise --batch-size to at least the number of ranks, or run fewer ranks"));
  }
  if (n < world_size) {
    throw UsageError(with_hint("task " + std::to_string(task) + " has " + std::to_string(n) +
                                   " training sample(s) but the job has " +
                                   std::to_string(world_size) + " ranks",
                               "run at most " + std::to_string(n) + " ranks, or prepare a larger stream"));
  }
}

}  // namespace mnemo::data
