// Implements: `mnemo train`: the continual-learning loop over a task stream,
//   data-parallel over the ranks of `control`.
//
//   Phases (all ranks, same order):
//     setup (agreed)      open + validate the stream, build model and strategy,
//                         load test slices, check the run directory
//     sync                verify identical models (signature), broadcast rank 0's parameters
//     baseline eval       accuracy of the untrained model (for FWT)
//     per task t          read this rank's block (agreed), train `epochs`
//                         passes, evaluate every task, rank 0 adds row t
//     report              rank 0 prints the matrices and writes results
#pragma once

#include "comm/communicator.h"
#include "eval/results_writer.h"
#include "train/train_options.h"

namespace mnemo::train {

/// Runs the experiment. `control` carries host-side collectives (counts,
/// agreement); gradients go over the backend chosen by options.backend.
/// Returns the results (complete on rank 0 only).
eval::RunResults run_training(const TrainOptions& options, Communicator& control);

}  // namespace mnemo::train
