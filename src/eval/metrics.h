// Implements: continual-learning metrics from an accuracy matrix.
//   R[i][j] = accuracy (0..1) on task j after training tasks 0..i; T tasks.
//   b[j]    = accuracy on task j of the model before any training (for FWT).
//   ACC        = 1/T  sum_j R[T-1][j]                          (GEM, Lopez-Paz & Ranzato 2017)
//   BWT        = 1/(T-1) sum_{j<T-1} (R[T-1][j] - R[j][j])      (GEM; GEM's code divides by T)
//   FWT        = 1/(T-1) sum_{j>0} (R[j-1][j] - b[j])           (GEM)
//   Forgetting = 1/(T-1) sum_{j<T-1} max_{l<T-1} (R[l][j] - R[T-1][j])   (Chaudhry et al. 2018)
//   Avg. incremental accuracy = 1/T sum_i (1/(i+1) sum_{j<=i} R[i][j])  (Rebuffi et al. 2017)
//   Learning accuracy = 1/T sum_j R[j][j]
//   With T = 1, BWT, FWT and forgetting are undefined and reported as 0.
//   A run stopped after k < T tasks has k rows: every metric is then taken
//   over the k tasks trained so far (tasks never trained do not count).
//   Intransigence (Chaudhry et al. 2018) = 1/T sum_j (a*_j - R[j][j]), where
//   a*_j is a reference (joint) run's final accuracy on task j.
#pragma once

#include <vector>

namespace mnemo::eval {

using Matrix = std::vector<std::vector<double>>;

struct Metrics {
  double acc = 0;
  double bwt = 0;
  double fwt = 0;
  double forgetting = 0;
  double avg_incremental_acc = 0;
  double learning_acc = 0;
};

/// `r` has k >= 1 rows of T >= k columns; `baseline` has T entries or is
/// empty (FWT = 0).
Metrics compute_metrics(const Matrix& r, const std::vector<double>& baseline);

/// Intransigence against `reference_final` (a joint run's final row, T entries).
double intransigence(const Matrix& r, const std::vector<double>& reference_final);

}  // namespace mnemo::eval
