// Implements: collectives on tensors of any per-rank size, built on the
//   Communicator's fixed-size ones, for strategies (TrainerServices).
//     allgather_rows  every rank's rows, concatenated in rank order: the row
//                     counts are gathered first, then rows padded to the
//                     largest count are gathered and the padding dropped.
//     global_mean     a per-rank sum over `count` samples becomes the mean
//                     over every rank's samples (the sum over the tensor
//                     communicator, the counts over control).
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "comm/communicator.h"

namespace mnemo::train {

/// Rows [n_r, ...] of every rank r (trailing shapes and dtypes equal;
/// float32, float64, int32 or int64), concatenated in rank order on the
/// rows' device. `comm`'s buffer place must match the rows' device.
/// All ranks, same order.
torch::Tensor allgather_rows(Communicator& comm, const torch::Tensor& rows);

/// `sum` (float32, contiguous) holds this rank's sum of a statistic over
/// `count` samples; afterwards it holds the mean over all ranks' samples
/// (unchanged from the sum where no rank had samples). Returns the total
/// count. All ranks, same order.
std::int64_t global_mean(Communicator& tensors, Communicator& control, torch::Tensor& sum, std::int64_t count);

}  // namespace mnemo::train
