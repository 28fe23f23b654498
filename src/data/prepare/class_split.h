// Implements: the class-incremental split: a seeded class order cut into
//   consecutive groups of classes, one group per task.
#pragma once

#include <cstdint>
#include <vector>

namespace mnemo::data {

/// A permutation of [0, num_classes) from `seed`; identical on every platform.
std::vector<std::int64_t> seeded_class_order(std::int64_t num_classes, std::uint64_t seed);

/// Task t gets order[t*k, (t+1)*k). Throws UsageError when tasks*k exceeds the classes.
std::vector<std::vector<std::int64_t>> split_classes(const std::vector<std::int64_t>& order, std::int64_t tasks,
                                                     std::int64_t classes_per_task);

}  // namespace mnemo::data
