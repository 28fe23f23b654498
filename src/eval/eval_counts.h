// Implements: exact, sharding-independent accuracy aggregation. Each rank
//   counts (correct, total) on its slice of each task's test set; rank 0
//   sums the integer counts, so the accuracy equals a single-process
//   evaluation of the same model under any split of the test sets.
#pragma once

#include <cstdint>
#include <vector>

#include "comm/communicator.h"

namespace mnemo::eval {

/// Per-task counts of one evaluation pass, for class-IL and task-IL
/// prediction, and the confusion matrices over all tasks' test sets
/// (task-IL: each sample predicted among its own task's classes).
struct EvalCounts {
  std::vector<std::int64_t> correct_class_il, correct_task_il, total;
  std::vector<std::int64_t> confusion;          ///< class-IL [true class][predicted class], row-major
  std::vector<std::int64_t> confusion_task_il;  ///< task-IL, the same layout
  EvalCounts(std::size_t tasks = 0, std::size_t classes = 0)
      : correct_class_il(tasks, 0),
        correct_task_il(tasks, 0),
        total(tasks, 0),
        confusion(classes * classes, 0),
        confusion_task_il(classes * classes, 0) {}
  std::size_t tasks() const { return total.size(); }
};

/// Sums every rank's counts into rank `root`'s. All ranks, same order.
void reduce_counts(Communicator& comm, EvalCounts& counts, int root = 0);

/// correct / total per task (0 where total is 0).
std::vector<double> accuracies(const std::vector<std::int64_t>& correct, const std::vector<std::int64_t>& total);

}  // namespace mnemo::eval
