// Implements: the class-incremental split: a seeded class order cut into
//   consecutive groups of classes, one group per task.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mnemo::data {

/// A permutation of [0, num_classes) from `seed`; identical on every platform.
std::vector<std::int64_t> seeded_class_order(std::int64_t num_classes, std::uint64_t seed);

/// The order `given` by --class-order, completed with the classes it leaves
/// out in increasing order (so the stream's class_order stays a permutation
/// of every class). UsageError naming --class-order and `dataset` for an id
/// outside [0, num_classes) or given twice.
std::vector<std::int64_t> explicit_class_order(const std::vector<std::int64_t>& given, std::int64_t num_classes,
                                               const std::string& dataset);

/// Task t gets order[t*k, (t+1)*k). Throws UsageError when tasks*k exceeds the classes.
std::vector<std::vector<std::int64_t>> split_classes(const std::vector<std::int64_t>& order, std::int64_t tasks,
                                                     std::int64_t classes_per_task);

}  // namespace mnemo::data
