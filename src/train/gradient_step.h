// Implements: the data-parallel gradient of one step.
//   Protocol (all ranks, same order):
//     1. one small all-reduce on the control communicator sums, over ranks,
//        each loss term's local sample count, the StepAgreement fields and
//        the number of ranks that returned more than kMaxLossTerms terms
//        (so every rank reaches the same verdict);
//     2. backward of sum_k weight_k * local_sum_k / global_count_k into the
//        flat gradient buffer (zeroed first; skipped when this rank has no
//        samples this step);
//     3. sum the flat gradient buffer over ranks, bucket by bucket
//        (GradientReducer: buckets may start during backward).
//   The result, on every rank, is exactly the gradient of the global-batch
//   mean loss, whatever the split of samples across ranks.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "comm/communicator.h"
#include "strategies/strategy.h"
#include "train/flat_parameters.h"
#include "train/gradient_reducer.h"

namespace mnemo::train {

/// Decisions every rank learns at each step: each field is summed over
/// ranks along with the loss terms' counts, in the same collective.
struct StepAgreement {
  std::int64_t ranks_stopping = 0;  ///< ranks asked to stop (SIGTERM, SIGUSR1/2)
  std::int64_t checkpoint_due = 0;  ///< 1 on rank 0 when --checkpoint-minutes elapsed (its clock decides)
  bool stop() const { return ranks_stopping > 0; }
  bool checkpoint() const { return checkpoint_due > 0; }
};

/// The optional parts of a synced step.
struct SyncExtras {
  std::string strategy = "the strategy";  ///< named when the loss-term contract is broken
  double* comm_seconds = nullptr;         ///< += seconds spent in the step's collectives
  StepAgreement* agreement = nullptr;     ///< summed over ranks in place
};

/// This rank's contribution to one step's global losses: each value summed
/// over ranks is the global-batch value.
struct StepLoss {
  double total = 0;  ///< the weighted sum of the terms (what was differentiated)
  std::array<double, strategies::kMaxLossTerms> terms{};  ///< each term's mean, unweighted
  /// Whether term k had samples on some rank (the same on every rank).
  std::array<bool, strategies::kMaxLossTerms> present{};
};

/// Leaves the global mean gradient in flat.grads(); returns this rank's
/// contribution to the step's losses.
/// UsageError (on every rank alike) when a rank returned more than
/// kMaxLossTerms terms.
/// All ranks, same order.
StepLoss synced_gradient(const std::vector<strategies::LossTerm>& terms, FlatParameters& flat, Communicator& control,
                       GradientReducer& reducer, const SyncExtras& extras = {});

}  // namespace mnemo::train
