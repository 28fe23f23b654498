// Implements: the model interface every network implements, and the
//   registry that builds models by name (`--model mlp`).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/options.h"

namespace mnemo::model {

/// A classifier: float inputs [N, C, H, W] in [0, 1] -> logits [N, num_classes].
class ModelImpl : public torch::nn::Module {
 public:
  ModelImpl() = default;
  explicit ModelImpl(std::string name) : torch::nn::Module(std::move(name)) {}  ///< name(): in messages
  virtual torch::Tensor forward(torch::Tensor x) = 0;
  /// The representation the head reads (penultimate layer), [N, D]; for
  /// strategies that classify by feature distances (iCaRL). Models without
  /// one throw UsageError.
  virtual torch::Tensor features(torch::Tensor x);
  /// True when features() is implemented (strategies that need it check at start).
  virtual bool has_features() const { return false; }
  /// True when, in training mode, each sample's output depends on that
  /// sample alone, so strategies may run several batches through one
  /// forward pass. The default is true unless the model holds a BatchNorm
  /// module; a model that couples samples in another way overrides it.
  virtual bool samples_independent() const;

  /// Networks whose structure follows the stream (progressive columns).
  /// Builds what task `task` trains with and freezes the parts earlier
  /// tasks own (requires_grad false). Every rank and every world size
  /// builds the same numbers: new parts are initialised from the model's
  /// construction-time seed and the task, never from the RNG's current
  /// state. Idempotent; returns true when the trainable parameters changed
  /// (the trainer then rebuilds its flat buffers). Fixed networks: false.
  virtual bool grow_to_task(std::int64_t /*task*/) { return false; }
  /// Task-aware networks: the task whose column forward() answers for.
  virtual void use_task(std::int64_t /*task*/) {}
  virtual std::int64_t task_in_use() const { return 0; }
  /// True when predictions need each sample's task (task-IL protocols only).
  virtual bool needs_task_identity() const { return false; }
  /// Called on every rank after each optimizer step of `task`, with the
  /// task's steps done and its total (PackNet restores its fixed weights
  /// and prunes here).
  virtual void after_optimizer_step(std::int64_t /*task*/, std::int64_t /*done*/, std::int64_t /*total*/) {}
  /// Parameter elements the current task trains, for a network that masks
  /// elements within its tensors; -1: every element of its trainable tensors.
  virtual std::int64_t trained_elements() const { return -1; }
  /// Why the network cannot learn a stream of `tasks` tasks (a usage
  /// error's message, naming the option), or "" when it can.
  virtual std::string capacity_problem(std::int64_t /*tasks*/) const { return ""; }
};
using Model = std::shared_ptr<ModelImpl>;

/// fused: train through hand-fused kernels where a model has them (the MLP
/// on CPU, see fused_mlp.h); autograd: plain LibTorch layers (for comparison).
enum class Kernels { kFused, kAutograd };
/// single: one head over all classes (class-IL); per-task: each sample's
/// loss and prediction over its own task's classes (task-IL); auto: per-task
/// for task-incremental streams, else single.
enum class Head { kAuto, kSingle, kPerTask };
/// How the built-in models' linear layers start. torch: LibTorch's default
/// (weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in))); xavier: weights
/// U(-a, a) with a = sqrt(6 / (fan_in + fan_out)) and zero biases, as the DER
/// authors' Mammoth initialises its MNIST MLP (convolutions keep LibTorch's).
enum class WeightInit { kTorch, kXavier };

struct ModelOptions {
  ModelOptions();  ///< holds every registered model's own options at their defaults
  std::string name = "mlp";  ///< a registered name, or a TorchScript file (see torchscript.h)
  std::vector<std::int64_t> input_shape;        ///< {C, H, W}
  std::int64_t num_classes = 0;                 ///< single head over every class
  /// The stream's classes of each task (a stream fact set by train, like
  /// input_shape; empty elsewhere): PackNet gives task t the output rows of its classes.
  std::vector<std::vector<std::int64_t>> task_classes;
  std::vector<std::int64_t> hidden = {100, 100};  ///< MLP hidden widths
  bool growing_head = false;      ///< built-in models: a classifier that gains outputs as classes arrive
  double packnet_prune = 0.5;    ///< packnet: fraction of each task's free weights pruned (left to later tasks)
  double packnet_retrain = 0.25;  ///< packnet: fraction of each task's steps that retrain after the pruning
  Kernels kernels = Kernels::kFused;
  Head head = Head::kAuto;
  WeightInit weight_init = WeightInit::kTorch;
  std::string init;                    ///< start from these weights (see train/model_export.h)
  std::string init_skip;               ///< comma-separated module names --init leaves freshly initialised
  std::vector<std::string> init_skip_list() const;  ///< init_skip split at commas
  /// --model (every registered name), --hidden, --kernels, --head,
  /// --weight-init, --init, --init-skip, then every registered model's own
  /// options.
  void declare(OptionTable& table);

  /// The options struct T of a registered model; UsageError when T was
  /// never registered (register_model_options<T>()).
  template <class T> T& params() { return params_.get<T>(); }
  template <class T> const T& params() const { return params_.get<T>(); }

 private:
  OptionGroups params_;
};

using ModelFactory = std::function<Model(const ModelOptions&)>;

/// Registers a model under `name`; returns true so it can initialise a static.
bool register_model(const std::string& name, ModelFactory factory);
/// Registers an options struct T (default-constructible, with
/// `void declare(OptionTable&)`) of a model added outside mnemo; its options
/// then appear in `train --help`, YAML configs, config.json and checkpoints
/// like the built-ins'; the factory reads them with options.params<T>().
/// Registering T again is a no-op. Register before run_main parses.
bool register_model_options(std::unique_ptr<OptionGroup> defaults);
template <class T> bool register_model_options() {
  return register_model_options(std::make_unique<OptionGroupOf<T>>());
}
/// Builds the model options.name names: a registered model (its linear
/// layers initialised by options.weight_init), or a TorchScript file loaded
/// as a ScriptedModel. UsageError for unknown names, and for --weight-init
/// xavier on a TorchScript model (initialise it in Python).
Model make_model(const ModelOptions& options);
/// Runs `model` once (eval mode, no gradient) on two zero inputs of
/// options.input_shape and checks that the output is [2, num_classes].
/// UsageError naming the model, the shapes and `stream` otherwise.
void check_model_output(ModelImpl& model, const ModelOptions& options, const std::string& stream);
std::vector<std::string> model_names();
/// Applies `init` to every Linear layer of `module` (kTorch: leaves them).
void init_linear_layers(torch::nn::Module& module, WeightInit init);

}  // namespace mnemo::model
