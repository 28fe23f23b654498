// Implements: the run's set-up: everything `mnemo train` trains with, built
//   once at start, on every rank, in this order: threads and signals ->
//   device -> gradient communicator stack -> stream -> model -> flat
//   buffers -> optimizer -> gradient reducer -> strategy (its context and
//   services) -> evaluator.
//
//   Two communicators, and which carries what:
//   - `control` (MPI over host buffers) carries decisions and small
//     counts: agreed failures (run_agreed), each step's per-term sample
//     counts and StepAgreement, evaluation counts, cost maxima, the model
//     signature check, and every barrier of the checkpoint protocol.
//   - `grad_comm` (mpi, nccl or local; buffers wherever the model lives)
//     carries model-sized tensors: gradient buckets, the parameter
//     broadcast, BatchNorm buffer averages, and strategies' all-reduces
//     of device tensors (TrainerServices).
//   Host scalars never go over grad_comm (nccl wants device buffers), and
//   model-sized tensors never over control (it would stage them on the host).
#pragma once

#include <torch/torch.h>

#include <memory>

#include "comm/communicator.h"
#include "data/stream_reader.h"
#include "model/model.h"
#include "strategies/strategy.h"
#include "train/evaluator.h"
#include "train/flat_parameters.h"
#include "train/gradient_reducer.h"
#include "train/optimizer.h"
#include "train/train_options.h"

namespace mnemo::train {

/// Seconds of the current task spent waiting, per rank.
struct TaskCosts {
  double comm_seconds = 0;        ///< in collectives
  double input_wait_seconds = 0;  ///< for input batches
};

/// Everything a run trains with. Built by set_up_run; not copyable (the
/// strategy's services point into it).
struct Run {
  Run(const TrainOptions& options, Communicator& control) : options(options), control(control) {}
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  const TrainOptions& options;
  Communicator& control;
  torch::Device device = torch::kCPU;
  std::unique_ptr<Communicator> grad_comm;
  std::unique_ptr<data::StreamReader> stream;
  model::InputNorm input_norm;  ///< the stream's normalisation, on `device`
  model::Augmenter augment;     ///< --augment (off by default)
  model::ModelOptions model_options;  ///< --model's options with the stream's input shape and classes
  model::Model model;
  std::unique_ptr<FlatParameters> flat;
  std::unique_ptr<FlatOptimizer> optimizer;
  std::unique_ptr<GradientReducer> reducer;
  std::unique_ptr<strategies::Strategy> strategy;
  std::unique_ptr<Evaluator> evaluator;
  TaskCosts costs;

  /// One line for the log: ranks, backend, device, threads, buckets, stream.
  std::string describe() const;
};

/// Validates the options and builds the run. Each rank builds its own with
/// no collectives except the gradient communicator's creation, so call it
/// inside run_agreed. All ranks, same order.
std::unique_ptr<Run> set_up_run(const TrainOptions& options, Communicator& control);

/// Moves the model's trainable parameters into new flat buffers with a new
/// gradient reducer, and resets the optimizer: at start, and after a
/// growing network changed its trainable set. No collectives; every rank
/// must call it at the same point.
void rebuild_flat_parameters(Run& run);

/// CPU threads per rank: --threads, else the node's cores over its ranks.
int threads_per_rank(const RunOptions& options, const Communicator& control);

}  // namespace mnemo::train
