// Implements: TrainOptions (see train_options.h).
#include "train/train_options.h"

#include <algorithm>

#include "core/error.h"

namespace mnemo::train {

void RunOptions::declare(OptionTable& t) {
  t.add("stream", stream, "Stream directory written by 'mnemo prepare'");
  t.add("run-dir", run_dir, "Directory for config.json, results.json, accuracy_matrix.csv").result_neutral();
  t.add("overwrite", overwrite, "Replace results in an existing run directory").result_neutral();
  t.add("epochs", epochs, "Passes over each task").in_range(1, 1 << 20);
  t.add("online", online, "Online (single-pass) learning: each sample is seen once");
  t.add("eval-every", eval_every, "Anytime evaluation of every task every K steps (0: task ends only)").at_least(0);
  t.add("batch-size", batch_size, "Global stream batch per step (split across ranks)").in_range(1, 1LL << 30);
  t.add("shuffle-window", shuffle_window, "Training rows read and shuffled together per rank (windows visited in a "
                                          "seeded order); bounds input memory")
      .in_range(1, 1LL << 40);
  t.add("seed", seed, "Seed of initialisation, shuffles and replay sampling");
  t.add_choice("augment", augment, {{"none", Augment::kNone}, {"crop-flip", Augment::kCropFlip}},
               "Augment the images of stream and replay batches (not evaluation): crop-flip pads by "
               "--augment-padding, crops back at a random offset and mirrors half the images, as the DER paper's "
               "CIFAR protocol; seeded per row, so results do not depend on the number of ranks");
  t.add("augment-padding", augment_padding, "crop-flip: zero padding on each side, pixels").in_range(1, 1024);
  t.add("deterministic", deterministic, "Deterministic kernels: same seed, world size and threads give identical "
                                        "bytes");
  t.add("threads", threads, "CPU threads per rank (0: cores / ranks on the node)").in_range(0, 4096).result_neutral();
  t.add("export-model", export_model, "Write the model after each task and at the end to RUN/model/ (TorchScript "
                                      "model.ts and state_dict.pt, which Python loads)")
      .result_neutral();
  t.add("log-every", log_every, "Steps between progress lines (0: 4 per task)").at_least(0).result_neutral();
  t.add_choice("progress", progress,
               {{"auto", ProgressMode::kAuto}, {"bar", ProgressMode::kBar}, {"lines", ProgressMode::kLines},
                {"none", ProgressMode::kNone}},
               "Rank 0's progress: a bar redrawn in place, log lines, or nothing (auto: a bar when stderr, or "
               "mnemo-mpirun's, is a terminal)")
      .result_neutral();
  t.add("metrics-every", metrics_every, "Steps between rows of RUN/metrics.csv (0: about 200 rows per task)")
      .at_least(0)
      .result_neutral();
}

void TrainOptions::declare(OptionTable& t) {
  t.set_group("Run");
  run.declare(t);
  t.set_group("Strategy");
  strategy.declare(t);
  t.set_group("Model");
  model.declare(t);
  t.set_group("Optimizer");
  optimizer.declare(t);
  t.set_group("Evaluation");
  eval.declare(t);
  t.set_group("Communication");
  comm.declare(t);
  reducer.declare(t);
  t.set_group("Checkpoints");
  checkpoint.declare(t);
}

void TrainOptions::validate() const {
  TrainOptions copy = *this;
  OptionTable table;
  copy.declare(table);
  table.validate();
  if (run.online && run.epochs != 1) {
    throw UsageError(with_hint("--online trains on each sample once, but --epochs is " + std::to_string(run.epochs),
                               "drop --epochs or set it to 1"));
  }
}

nlohmann::json to_json(const TrainOptions& options) { return options_json(options); }

std::vector<std::string> result_affecting_differences(const nlohmann::json& saved, const TrainOptions& now) {
  TrainOptions copy = now;
  OptionTable table;
  copy.declare(table);
  const nlohmann::json current = table.to_json();
  std::vector<std::string> differ;
  for (const auto& [key, value] : saved.items()) {
    const auto spec = std::find_if(table.specs().begin(), table.specs().end(),
                                   [&](const OptionSpec& s) { return s.json_key() == key; });
    if (spec != table.specs().end() && spec->is_result_neutral()) continue;
    if (!current.contains(key) || current.at(key) != value) {
      differ.push_back(key + " (checkpoint " + value.dump() + ", now " +
                       (current.contains(key) ? current.at(key).dump() : "not an option") + ")");
    }
  }
  return differ;
}

}  // namespace mnemo::train
