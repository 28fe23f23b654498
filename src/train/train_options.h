// Implements: the options of `mnemo train`: the loop's own (RunOptions)
//   and the options structs of the modules it drives, each declared in its
//   own module. Batch sizes and the replay capacity are global (summed over
//   ranks); mnemo splits them.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "comm/comm_options.h"
#include "core/options.h"
#include "model/model.h"
#include "strategies/strategy.h"
#include "train/checkpoint.h"
#include "train/evaluator.h"
#include "train/gradient_reducer.h"
#include "train/optimizer.h"
#include "train/progress.h"

namespace mnemo::train {

/// The training loop's own options.
/// Image augmentation of stream and replay batches (see model/augment.h).
enum class Augment { kNone, kCropFlip };

struct RunOptions {
  std::string stream = "streams/split-fashion-mnist";  ///< directory written by mnemo prepare
  std::string run_dir = "runs/latest";                  ///< results go here
  bool overwrite = false;                               ///< replace results in an existing run_dir
  std::int64_t epochs = 1;                              ///< passes over each task
  bool online = false;                                  ///< single pass: each sample seen once (epochs must be 1)
  std::int64_t eval_every = 0;                          ///< anytime evaluation every K steps (0: task ends only)
  std::int64_t batch_size = 10;                         ///< global stream batch, samples
  std::int64_t shuffle_window = 16384;                  ///< rows read (and shuffled) together; bounds input memory
  std::uint64_t seed = 0;                               ///< init, shuffles, replay sampling
  bool deterministic = false;                           ///< deterministic kernels; same seed+world: same bytes
  Augment augment = Augment::kNone;                     ///< crop-flip: the DER paper's CIFAR augmentation
  std::int64_t augment_padding = 4;                     ///< crop-flip's zero padding, pixels
  int threads = 0;                                      ///< CPU threads per rank; 0: cores / ranks on the node
  std::int64_t log_every = 0;                           ///< steps between progress lines; 0: 4 per task
  std::int64_t metrics_every = 0;                       ///< steps between metrics.csv rows; 0: ~200 per task
  ProgressMode progress = ProgressMode::kAuto;                 ///< rank 0's progress display
  bool export_model = true;                             ///< RUN/model/task-T and final (see model_export.h)
  void declare(OptionTable& table);
};

struct TrainOptions {
  RunOptions run;
  strategies::StrategyOptions strategy;
  model::ModelOptions model;
  OptimizerOptions optimizer;
  EvalOptions eval;
  CommOptions comm;
  ReducerOptions reducer;
  CheckpointOptions checkpoint;

  /// Every option of `mnemo train`, grouped by module, in help order.
  void declare(OptionTable& table);
  /// The declared checks, then those that relate options of two modules.
  /// UsageError naming the option.
  void validate() const;
};

/// {json_key: value} of every option (config.json, checkpoints, results).
nlohmann::json to_json(const TrainOptions& options);
/// The saved options' result-affecting values that differ from `now`'s, as
/// "key (checkpoint X, now Y)"; keys `now` does not declare count as differing.
std::vector<std::string> result_affecting_differences(const nlohmann::json& saved, const TrainOptions& now);

}  // namespace mnemo::train
