// Implements: count aggregation (one reduce of a packed int64 vector).
#include "eval/eval_counts.h"

#include <algorithm>

namespace mnemo::eval {

void reduce_counts(Communicator& comm, EvalCounts& counts, int root) {
  // One reduce of everything, packed.
  std::vector<std::int64_t> packed;
  const auto parts = {&counts.correct_class_il, &counts.correct_task_il, &counts.total, &counts.confusion,
                     &counts.confusion_task_il};
  for (const auto* v : parts) packed.insert(packed.end(), v->begin(), v->end());
  comm.reduce_sum(packed, root);
  if (comm.rank() != root) return;
  auto at = packed.begin();
  for (auto* v : parts) {
    std::copy_n(at, v->size(), v->begin());
    at += static_cast<std::ptrdiff_t>(v->size());
  }
}

std::vector<double> accuracies(const std::vector<std::int64_t>& correct, const std::vector<std::int64_t>& total) {
  std::vector<double> out(total.size(), 0.0);
  for (std::size_t j = 0; j < total.size(); ++j) {
    if (total[j] > 0) out[j] = static_cast<double>(correct[j]) / static_cast<double>(total[j]);
  }
  return out;
}

}  // namespace mnemo::eval
