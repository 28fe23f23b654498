// Implements: the metric formulas documented in metrics.h.
#include "eval/metrics.h"

#include <algorithm>

#include "core/error.h"

namespace mnemo::eval {

Metrics compute_metrics(const Matrix& r, const std::vector<double>& baseline) {
  const std::size_t t = r.size();  // tasks trained so far
  MNEMO_ASSERT(t >= 1, "empty accuracy matrix");
  for (const auto& row : r) MNEMO_ASSERT(row.size() >= t && row.size() == r[0].size(), "ragged accuracy matrix");
  MNEMO_ASSERT(baseline.empty() || baseline.size() == r[0].size(), "baseline size differs from task count");
  Metrics m;
  const auto& last = r[t - 1];
  for (std::size_t j = 0; j < t; ++j) {
    m.acc += last[j] / static_cast<double>(t);
    m.learning_acc += r[j][j] / static_cast<double>(t);
    double seen = 0;
    for (std::size_t k = 0; k <= j; ++k) seen += r[j][k];
    m.avg_incremental_acc += seen / static_cast<double>(j + 1) / static_cast<double>(t);
  }
  if (t == 1) return m;
  const double denom = static_cast<double>(t - 1);
  for (std::size_t j = 0; j + 1 < t; ++j) {
    m.bwt += (last[j] - r[j][j]) / denom;
    double best = r[0][j];
    for (std::size_t l = 0; l + 1 < t; ++l) best = std::max(best, r[l][j]);
    m.forgetting += (best - last[j]) / denom;
  }
  if (!baseline.empty()) {
    for (std::size_t j = 1; j < t; ++j) m.fwt += (r[j - 1][j] - baseline[j]) / denom;
  }
  return m;
}

double intransigence(const Matrix& r, const std::vector<double>& reference_final) {
  const std::size_t t = r.size();
  MNEMO_ASSERT(t >= 1 && reference_final.size() >= t, "reference run has fewer tasks than this run");
  double sum = 0;
  for (std::size_t j = 0; j < t; ++j) sum += reference_final[j] - r[j][j];
  return sum / static_cast<double>(t);
}

}  // namespace mnemo::eval
