// Implements: every option of `mnemo train`, with its default. Batch sizes
//   and the replay capacity are global (summed over ranks); mnemo splits them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "train/optimizer.h"

namespace mnemo::train {

struct TrainOptions {
  std::string stream = "streams/split-fashion-mnist";  ///< directory written by mnemo prepare
  std::string run_dir = "runs/latest";                  ///< results go here
  bool overwrite = false;                               ///< replace results in an existing run_dir
  std::string strategy = "er";
  std::string model = "mlp";
  std::vector<std::int64_t> hidden = {100, 100};        ///< MLP hidden widths
  std::string kernels = "fused";                        ///< fused: hand-fused MLP training on CPU | autograd
  std::string head = "auto";                            ///< auto | single (class-IL) | per-task (task-IL heads)
  std::int64_t epochs = 1;                              ///< passes over each task
  bool online = false;                                  ///< single pass: each sample seen once (epochs must be 1)
  std::int64_t eval_every = 0;                          ///< anytime evaluation every K steps (0: task ends only)
  std::int64_t batch_size = 10;                         ///< global stream batch, samples
  std::int64_t shuffle_window = 16384;                  ///< rows read (and shuffled) together; bounds input memory
  std::string optimizer = "sgd";                       ///< sgd | adam | adagrad | rmsprop
  double lr = 0.1;
  double momentum = 0.0;                                ///< sgd, rmsprop
  double weight_decay = 0.0;                            ///< L2 added to the gradient
  std::string lr_schedule = "constant";                 ///< per task: constant | step | cosine
  std::vector<std::int64_t> lr_milestones;              ///< step schedule: epochs where lr *= lr_gamma
  double lr_gamma = 0.1;
  std::int64_t replay_capacity = 500;                   ///< global replay memory, samples
  std::int64_t replay_batch = 10;                       ///< global replay batch per step, samples
  std::string replay_policy = "reservoir";              ///< reservoir | class-balanced | ring
  double der_alpha = 0.3;                               ///< der, derpp: logit-matching weight
  double der_beta = 0.5;                                ///< derpp: replayed-label CE weight
  double ewc_lambda = 100.0;                            ///< ewc: penalty weight
  double ewc_gamma = 1.0;                               ///< ewc: Fisher decay (online EWC)
  double si_c = 0.5;                                    ///< si: penalty weight
  double si_xi = 1.0;                                   ///< si: damping
  double lwf_alpha = 1.0;                               ///< lwf: distillation weight
  double lwf_temperature = 2.0;                         ///< lwf: temperature
  std::int64_t gdumb_epochs = 30;                       ///< gdumb: passes over the memory at each task end
  std::int64_t eval_batch = 1000;                       ///< evaluation batch per rank, samples
  std::string eval_split = "test";                      ///< test | val (needs a stream prepared with --val-fraction)
  double eval_cache_mb = 256;                           ///< evaluation samples kept in memory per rank, MiB
  std::uint64_t seed = 0;                               ///< init, shuffles, replay sampling
  std::string backend = "auto";                         ///< auto | mpi | nccl | local
  double bucket_mb = 25.0;                              ///< gradient bucket cap, MiB (0: one bucket)
  bool overlap = true;                                  ///< start buckets during backward
  std::string wire_dtype = "fp32";                      ///< gradient all-reduce precision: fp32 | fp16 | bf16
  bool deterministic = false;                           ///< deterministic kernels; same seed+world: same bytes
  double comm_timeout = 300;                            ///< s a collective may wait before the job is aborted (0: off)
  bool debug_collectives = false;                       ///< cross-check every collective's (seq, op, bytes)
  std::int64_t checkpoint_every = 0;                    ///< also checkpoint every K steps (0: task ends only)
  double checkpoint_minutes = 0;                        ///< also checkpoint every M minutes (0: off)
  int checkpoint_keep = 2;                              ///< complete checkpoints kept
  std::string resume;                                   ///< "" | auto | a checkpoint directory
  bool force = false;                                   ///< resume even if result-affecting options differ
  int threads = 0;                                      ///< CPU threads per rank; 0: cores / ranks on the node
  std::int64_t log_every = 0;                           ///< steps between progress lines; 0: 4 per task
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TrainOptions, stream, run_dir, overwrite, strategy, model, hidden, kernels, head, epochs, online, eval_every,
                                   batch_size, shuffle_window, optimizer, lr, momentum, weight_decay, lr_schedule, lr_milestones,
                                   lr_gamma, replay_capacity, replay_batch, replay_policy, der_alpha, der_beta,
                                   ewc_lambda, ewc_gamma, si_c, si_xi, lwf_alpha, lwf_temperature, gdumb_epochs,
                                   eval_batch, eval_split, eval_cache_mb, seed, backend, bucket_mb, overlap, wire_dtype, deterministic, comm_timeout, debug_collectives,
                                   checkpoint_every, checkpoint_minutes, checkpoint_keep, resume, force, threads, log_every)

/// The optimizer part of the options.
inline OptimizerOptions optimizer_options(const TrainOptions& o) {
  OptimizerOptions out;
  out.name = o.optimizer;
  out.lr = o.lr;
  out.momentum = o.momentum;
  out.weight_decay = o.weight_decay;
  out.schedule = o.lr_schedule;
  out.milestones = o.lr_milestones;
  out.gamma = o.lr_gamma;
  return out;
}

}  // namespace mnemo::train
