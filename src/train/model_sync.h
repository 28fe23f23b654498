// Implements: keeping the ranks' model replicas identical.
//   - verify_same_model: every rank hashes its parameter names, shapes and
//     dtypes; two max-reductions tell every rank whether all hashes agree,
//     so a mismatch is the same clear error on every rank, never a hang in
//     a later collective of the wrong size.
//   - broadcast_parameters: rank `root`'s values win (at start).
//   - average_buffers: float buffers (BatchNorm running statistics) are
//     averaged over ranks, so evaluation sees one model on every rank.
#pragma once

#include <torch/torch.h>

#include "comm/communicator.h"
#include "train/flat_parameters.h"

namespace mnemo::train {

/// Throws Error (on every rank) when the ranks' architectures differ. All ranks, same order.
void verify_same_model(Communicator& control, const FlatParameters& flat);
/// All ranks, same order.
void broadcast_parameters(Communicator& comm, FlatParameters& flat, int root = 0);
/// All ranks, same order.
void average_buffers(Communicator& comm, torch::nn::Module& module);
/// The float32 tensors among `tensors`, averaged over ranks in place (one
/// all-reduce). All ranks, same order.
void average_float_tensors(Communicator& comm, const std::vector<torch::Tensor>& tensors);

}  // namespace mnemo::train
