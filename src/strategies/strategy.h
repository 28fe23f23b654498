// Implements: the strategy interface and registry.
//
//   Call order per task (every rank, same order):
//     training_tasks(t) -> before_task(t) -> { loss(batch) -> [trainer: count
//     all-reduce, backward, gradient all-reduce] -> after_sync() ->
//     [optimizer step] -> after_step(batch) }* -> after_task(t, samples)
//   Hooks that use TrainerServices' collectives (after_sync, after_task)
//   must call them on every rank in the same order.
//
//   Losses are returned as terms of per-sample sums with their local sample
//   counts. The trainer sums each term's count over ranks and scales the term
//   by 1/global_count, so the all-reduced gradient is exactly the gradient of
//   the global-batch mean, whatever the sharding (uneven ranks included).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/model.h"

namespace mnemo::strategies {

class ReplayMemory;

/// One rank's part of a step's stream batch.
struct Batch {
  torch::Tensor images;  ///< uint8 [n, C, H, W], on the CPU (what replay stores)
  torch::Tensor x;       ///< float [n, C, H, W] in [0, 1], on the model's device
  torch::Tensor y;       ///< int64 [n], on the model's device
  std::int64_t task = 0;
  /// The whole global batch, which every rank reads (CPU: uint8 images,
  /// int64 labels); this rank's samples are rows [offset, offset + size()).
  /// Replay memories decide on it identically on every rank. Left
  /// undefined, the batch is taken to be the global one (one rank).
  torch::Tensor global_images, global_labels;
  std::int64_t offset = 0;
  std::int64_t size() const { return images.defined() ? images.size(0) : 0; }
};

/// A loss term: the sum of per-sample losses over `count` local samples.
struct LossTerm {
  torch::Tensor sum;
  std::int64_t count = 0;
  double weight = 1.0;
};

/// This rank's block of a task's training samples, read on demand from the
/// stream (so a strategy that does not need them costs nothing, and one
/// that does can stream them in chunks).
struct TaskSamples {
  std::int64_t task = 0;
  std::int64_t count = 0;  ///< samples in this rank's block
  std::int64_t first = 0;  ///< the block's first row within the task
  std::int64_t total = 0;  ///< the task's training samples over all ranks
  /// Samples [begin, end) of the block, in stream order: CPU tensors, uint8
  /// images [n, C, H, W] and int64 labels [n].
  std::function<std::pair<torch::Tensor, torch::Tensor>(std::int64_t begin, std::int64_t end)> read;
};

/// What the trainer lends strategies. Functions marked (collective) must be
/// called by all ranks in the same order.
struct TrainerServices {
  /// The flat parameter buffer (every parameter is a view into it).
  std::function<torch::Tensor()> parameters;
  /// The flat gradient buffer; in after_sync it holds the global mean gradient.
  std::function<torch::Tensor()> gradient;
  /// (collective) Replaces gradient() with the global mean gradient of `terms`.
  std::function<void(const std::vector<LossTerm>&)> synced_gradient;
  /// (collective) In-place sum over ranks of a float32 tensor on the model's device.
  std::function<void(torch::Tensor&)> allreduce_sum;
  /// A copy of the current model (same architecture and values), in eval mode.
  std::function<model::Model()> clone_model;
};

/// What a strategy may use, fixed for the run.
struct StrategyContext {
  model::Model model;
  torch::Device device = torch::kCPU;
  int rank = 0;
  int world_size = 1;
  std::int64_t num_classes = 0;
  std::vector<std::int64_t> image_shape;  ///< {C, H, W}
  std::uint64_t seed = 0;
  /// Per-task heads (task-incremental): [C, C] additive mask, row c = 0 on
  /// the classes of c's task and -inf elsewhere, so a sample's loss sees only
  /// its own task's logits. Undefined for a single head over all classes.
  torch::Tensor head_mask;
  std::int64_t num_tasks = 0;
  std::vector<std::vector<std::int64_t>> task_classes;
  TrainerServices services;
};

struct StrategyOptions {
  std::string name = "er";
  std::int64_t replay_capacity = 500;  ///< global buffer size, samples, split across ranks
  std::int64_t replay_batch = 10;      ///< global replay batch per step, split across ranks
  std::string replay_policy = "reservoir";  ///< reservoir | class-balanced | ring
  double der_alpha = 0.3;              ///< der, derpp: weight of the logit-matching (MSE) term
  double der_beta = 0.5;               ///< derpp: weight of the replayed-label CE term
  double ewc_lambda = 100.0;           ///< ewc: penalty weight
  double ewc_gamma = 1.0;              ///< ewc: decay of the old Fisher (online EWC; 1 = sum)
  double si_c = 0.5;                   ///< si: penalty weight
  double si_xi = 1.0;                  ///< si: damping
  double lwf_alpha = 1.0;              ///< lwf: weight of the distillation term
  double lwf_temperature = 2.0;        ///< lwf: softmax temperature
  double lr = 0.1;                     ///< the run's learning rate (gdumb retrains with it)
  std::int64_t gdumb_epochs = 30;      ///< gdumb: passes over the memory at each task end
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  /// Tasks whose training data is used while learning `task` (the union,
  /// shuffled). Default {task}; cumulative {0..task}; joint trains on every
  /// task at the last one and on none before.
  virtual std::vector<std::int64_t> training_tasks(std::int64_t task, std::int64_t num_tasks) const {
    return {task};
  }
  virtual void before_task(std::int64_t task) {}
  /// Loss terms of one step on this rank's batch (may be empty: size() == 0).
  virtual std::vector<LossTerm> loss(const Batch& batch) = 0;
  /// After the gradient all-reduce, before the optimizer step.
  virtual void after_sync() {}
  /// After the optimizer step.
  virtual void after_step(const Batch& batch) {}
  /// After the last step of a task; `samples` is this rank's block of it.
  virtual void after_task(const TaskSamples& samples) {}
  /// Class scores for evaluation (argmax = prediction), called without
  /// autograd on every rank's test slice. Default: the model's logits;
  /// iCaRL: negative distances to the class means of its exemplars.
  virtual torch::Tensor predict(model::ModelImpl& model, const torch::Tensor& x) { return model.forward(x); }
  /// One line for the log, e.g. the replay buffer's fill.
  virtual std::string summary() const { return ""; }
  /// The strategy's replay memory, if it has one (persisted at task ends).
  virtual class ReplayMemory* memory() { return nullptr; }
  /// Checkpointing of the state that is identical on every rank (Fisher,
  /// importances, teacher, task counters); the replay memory is saved
  /// separately. A resumed strategy must continue bit-exactly.
  virtual void save_state(torch::serialize::OutputArchive& archive) const {}
  virtual void load_state(torch::serialize::InputArchive& archive) {}
};

using StrategyFactory =
    std::function<std::unique_ptr<Strategy>(const StrategyOptions&, const StrategyContext&)>;

bool register_strategy(const std::string& name, StrategyFactory factory);
/// UsageError naming the known strategies for an unknown name.
std::unique_ptr<Strategy> make_strategy(const StrategyOptions& options, const StrategyContext& context);
std::vector<std::string> strategy_names();

/// Summed cross-entropy of `model` on (x, y) as a loss term; with a head
/// mask, over each sample's own task's classes only.
LossTerm cross_entropy_term(model::ModelImpl& model, const torch::Tensor& x, const torch::Tensor& y,
                            const torch::Tensor& head_mask = {});

/// Summed cross-entropy of given logits (with the head mask, if any).
LossTerm cross_entropy_of_logits(const torch::Tensor& logits, const torch::Tensor& y,
                                 const torch::Tensor& head_mask = {});

/// The [C, C] head mask for tasks' disjoint class lists.
torch::Tensor make_head_mask(const std::vector<std::vector<std::int64_t>>& task_classes, std::int64_t num_classes);

/// Archive helpers: undefined tensors are skipped on save and stay undefined on load.
void save_tensor(torch::serialize::OutputArchive& archive, const std::string& key, const torch::Tensor& t);
void load_tensor(torch::serialize::InputArchive& archive, const std::string& key, torch::Tensor& t,
                 const torch::Device& device);

/// Converts uint8 images (CPU) to the float model input on `device`.
torch::Tensor to_input(const torch::Tensor& images_u8, const torch::Device& device);

/// A frozen model (a teacher) in a checkpoint: its parameters and buffers
/// flattened under `key`; load_model_values fills a clone of the model.
void save_model_values(torch::serialize::OutputArchive& archive, const std::string& key, model::ModelImpl& model);
/// Returns false (and leaves `model` as it is) when `key` is absent.
bool load_model_values(torch::serialize::InputArchive& archive, const std::string& key, model::ModelImpl& model,
                       const torch::Device& device);

}  // namespace mnemo::strategies
