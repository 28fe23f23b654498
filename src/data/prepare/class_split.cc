// Implements: seeded class orders and their split into tasks.
#include "data/prepare/class_split.h"

#include <numeric>
#include <string>

#include "core/error.h"
#include "core/rng.h"

namespace mnemo::data {

std::vector<std::int64_t> seeded_class_order(std::int64_t num_classes, std::uint64_t seed) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(num_classes));
  std::iota(order.begin(), order.end(), 0);
  Rng rng = Rng::derive(seed, /*purpose=*/0xc1a55);
  rng.shuffle(order);
  return order;
}

std::vector<std::int64_t> explicit_class_order(const std::vector<std::int64_t>& given, std::int64_t num_classes,
                                               const std::string& dataset) {
  std::vector<bool> used(static_cast<std::size_t>(num_classes), false);
  for (std::size_t i = 0; i < given.size(); ++i) {
    const std::int64_t c = given[i];
    if (c < 0 || c >= num_classes) {
      throw UsageError(with_hint("--class-order: entry " + std::to_string(i + 1) + " is class " + std::to_string(c) +
                                     ", but " + dataset + " has classes 0.." + std::to_string(num_classes - 1),
                                 "list class ids of the dataset, comma-separated"));
    }
    if (used[static_cast<std::size_t>(c)]) {
      throw UsageError(with_hint("--class-order lists class " + std::to_string(c) + " twice",
                                 "list each class at most once"));
    }
    used[static_cast<std::size_t>(c)] = true;
  }
  std::vector<std::int64_t> order = given;
  for (std::int64_t c = 0; c < num_classes; ++c) {
    if (!used[static_cast<std::size_t>(c)]) order.push_back(c);
  }
  return order;
}

std::vector<std::vector<std::int64_t>> split_classes(const std::vector<std::int64_t>& order, std::int64_t tasks,
                                                     std::int64_t classes_per_task) {
  if (tasks < 1 || classes_per_task < 1) {
    throw UsageError("--tasks and --classes-per-task must be at least 1");
  }
  const auto n = static_cast<std::int64_t>(order.size());
  if (tasks * classes_per_task > n) {
    throw UsageError(with_hint(std::to_string(tasks) + " tasks x " + std::to_string(classes_per_task) +
                                   " classes need " + std::to_string(tasks * classes_per_task) +
                                   " classes, but the dataset has " + std::to_string(n),
                               "lower --tasks or --classes-per-task"));
  }
  std::vector<std::vector<std::int64_t>> out(static_cast<std::size_t>(tasks));
  for (std::int64_t t = 0; t < tasks; ++t) {
    out[t].assign(order.begin() + t * classes_per_task, order.begin() + (t + 1) * classes_per_task);
  }
  return out;
}

}  // namespace mnemo::data
