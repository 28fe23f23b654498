// Implements: the data-parallel gradient of one step.
//   Protocol (all ranks, same order):
//     1. sum each loss term's local sample count over ranks (one small
//        all-reduce on the control communicator);
//     2. backward of sum_k weight_k * local_sum_k / global_count_k into the
//        flat gradient buffer (zeroed first; skipped when this rank has no
//        samples this step);
//     3. sum the flat gradient buffer over ranks, bucket by bucket
//        (GradientReducer: buckets may start during backward).
//   The result, on every rank, is exactly the gradient of the global-batch
//   mean loss, whatever the split of samples across ranks.
#pragma once

#include <vector>

#include "comm/communicator.h"
#include "strategies/strategy.h"
#include "train/flat_parameters.h"
#include "train/gradient_reducer.h"

namespace mnemo::train {

inline constexpr std::size_t kMaxLossTerms = 4;

/// Leaves the global mean gradient in flat.grads(); returns this rank's
/// contribution to the global loss (sum over ranks = the global loss).
/// Adds the seconds spent in the two collectives to *comm_seconds if given.
/// With `flag`, *flag is summed over ranks along with the counts (no extra
/// collective): the ranks agree on it, e.g. "a rank was asked to stop".
double synced_gradient(const std::vector<strategies::LossTerm>& terms, FlatParameters& flat, Communicator& control,
                       GradientReducer& reducer, double* comm_seconds = nullptr, std::int64_t* flag = nullptr);

}  // namespace mnemo::train
