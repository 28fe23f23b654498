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
//   Two contracts follow:
//   - term k means the same loss on every rank: its counts are summed over
//     ranks slot by slot. A rank with no samples for a term returns it with
//     count 0 (an undefined sum), or leaves it out when it comes after
//     every term it returns (an empty list: no samples at all). A term left
//     out in the middle would shift the later ones into the wrong slots.
//   - a strategy returns at most kMaxLossTerms (4) terms; the trainer
//     checks this on every step, and a violation is a UsageError naming
//     the strategy, on every rank.
//   Shared loss terms are in loss_terms.h, checkpoint helpers in state_io.h.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

#include "core/options.h"
#include "model/augment.h"
#include "model/input.h"
#include "strategies/torch_sample_type.h"
#include "model/model.h"
#include "replay/replay_buffer.h"

namespace mnemo::strategies {

class ReplayMemory;

/// One rank's part of a step's stream batch.
struct Batch {
  torch::Tensor images;  ///< uint8 [n, C, H, W], on the CPU (what replay stores)
  torch::Tensor x;       ///< float [n, C, H, W] in [0, 1], on the model's device
  torch::Tensor y;       ///< int64 [n], on the model's device
  std::int64_t task = 0;
  /// Every label of the global batch (CPU, int64), which every rank reads;
  /// this rank's samples are rows [offset, offset + size()). Replay
  /// memories decide on them identically on every rank. Left undefined,
  /// the batch is taken to be the global one (one rank).
  torch::Tensor global_labels;
  std::int64_t offset = 0;
  /// The samples of rows of the global batch (increasing; any rank's), read
  /// from the stream on demand: a rank reads only its own rows ahead, and
  /// the few others it stores in its replay shard here. CPU tensor
  /// [k, ...], like `images`. Unset: every row is this rank's.
  std::function<torch::Tensor(const std::vector<std::int64_t>& rows)> read_rows;
  /// The global step (x's augmentation is named by it and each row's place
  /// in the global batch; see model/augment.h).
  std::int64_t step = 0;
  std::int64_t size() const { return images.defined() ? images.size(0) : 0; }
};

/// The most loss terms a strategy may return per step.
inline constexpr std::size_t kMaxLossTerms = 4;

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
  /// (collective) Every rank's rows [n_r, ...] (any n_r; float32, float64,
  /// int32 or int64, on the model's device), concatenated in rank order.
  std::function<torch::Tensor(const torch::Tensor&)> allgather_rows;
  /// (collective) `sum` (float32, on the model's device) holds this rank's
  /// sum of a statistic over `count` samples; it becomes the mean over
  /// every rank's samples. Returns the global count.
  std::function<std::int64_t(torch::Tensor& sum, std::int64_t count)> global_mean;
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
  std::vector<std::int64_t> image_shape;  ///< of one sample: {C, H, W} for images
  data::SampleType sample_type = data::SampleType::kUInt8;  ///< how samples are stored (torch_type)
  model::InputNorm input_norm;            ///< pass to model::to_input
  model::Augmenter augment;               ///< --augment: replay batches are augmented like stream batches
  std::uint64_t seed = 0;
  /// Per-task heads (task-incremental): [C, C] additive mask, row c = 0 on
  /// the classes of c's task and -inf elsewhere, so a sample's loss sees only
  /// its own task's logits. Undefined for a single head over all classes.
  torch::Tensor head_mask;
  std::int64_t num_tasks = 0;
  std::vector<std::vector<std::int64_t>> task_classes;
  TrainerServices services;
};

/// The options every strategy shares, plus each registered strategy's own
/// options struct (`params<T>()`), so that a strategy's hyper-parameters are
/// declared once, in its own file (see register_strategy_options).
class StrategyOptions {
 public:
  std::string name = "er";
  std::int64_t replay_capacity = 500;  ///< global buffer size, samples, split across ranks
  std::int64_t replay_batch = 10;      ///< global replay batch per step, split across ranks
  replay::Policy replay_policy = replay::Policy::kReservoir;
  double lr = 0.1;  ///< not declared here: the optimizer's --lr (gdumb retrains with it)

  /// Holds every registered strategy's options at their defaults.
  StrategyOptions();

  /// The options struct T of a registered strategy; UsageError when T was
  /// never registered (register_strategy_options<T>()).
  template <class T> T& params() { return params_.get<T>(); }
  template <class T> const T& params() const { return params_.get<T>(); }

  /// --strategy, --replay-*, then every registered strategy's own options.
  void declare(OptionTable& table);

 private:
  OptionGroups params_;
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
  /// The name of each loss-term slot, in loss()'s order (columns of the
  /// metrics log: loss_<name>); at most kMaxLossTerms, fixed for the run.
  virtual std::vector<std::string> loss_names() const { return {"ce"}; }
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

/// Registers a strategy under `name` (an existing name is replaced);
/// returns true so it can initialise a static.
bool register_strategy(const std::string& name, StrategyFactory factory);
/// Registers an options struct T (default-constructible, with
/// `void declare(OptionTable&)`); its options then appear in `train --help`,
/// YAML configs, config.json and checkpoints like the built-ins'. Several
/// strategies may share one T (der and derpp). Registering T again is a
/// no-op. Register before run_main parses the command line.
bool register_strategy_options(std::unique_ptr<OptionGroup> defaults);
template <class T> bool register_strategy_options() {
  return register_strategy_options(std::make_unique<OptionGroupOf<T>>());
}
/// UsageError naming the known strategies for an unknown name.
std::unique_ptr<Strategy> make_strategy(const StrategyOptions& options, const StrategyContext& context);
std::vector<std::string> strategy_names();

}  // namespace mnemo::strategies
