// Implements: the subcommands' option tables and entry points.
#include "cli/commands.h"

#include <spdlog/spdlog.h>

#include "comm/agreement.h"
#include "strategies/strategy.h"
#include "train/trainer.h"

namespace mnemo::cli {

void add_prepare_options(CLI::App& sub, data::PrepareOptions& o) {
  sub.add_option("--source", o.source, "Dataset source: idx | synthetic")->check(CLI::IsMember({"idx", "synthetic"}));
  sub.add_option("--input", o.input, "IDX dataset directory (train-/t10k- images and labels, .gz or raw)");
  sub.add_option("--name", o.name, "Dataset name recorded in the stream");
  sub.add_option("--output", o.output, "Stream directory to write");
  sub.add_option("--tasks", o.tasks, "Number of tasks");
  sub.add_option("--classes-per-task", o.classes_per_task, "Classes per task (class-incremental split)");
  sub.add_option("--seed", o.seed, "Seed of the class order and within-task shuffles");
  sub.add_option("--shards", o.layout.shards, "Number of HDF5 shard files");
  sub.add_option("--chunk-rows", o.layout.chunk_rows, "HDF5 chunk size, samples");
  sub.add_option("--deflate", o.layout.deflate, "gzip level of the image datasets (0: none)");
  sub.add_flag("--overwrite", o.overwrite, "Replace an existing output directory");
  sub.add_option("--synthetic-classes", o.synthetic.classes, "synthetic: number of classes");
  sub.add_option("--synthetic-train-per-class", o.synthetic.train_per_class, "synthetic: train samples per class");
  sub.add_option("--synthetic-test-per-class", o.synthetic.test_per_class, "synthetic: test samples per class");
  sub.add_option("--synthetic-side", o.synthetic.side, "synthetic: image side, pixels");
  sub.add_option("--synthetic-noise", o.synthetic.noise, "synthetic: noise std-dev, pixel units");
}

void add_train_options(CLI::App& sub, train::TrainOptions& o) {
  std::string strategies;
  for (const auto& n : strategies::strategy_names()) strategies += (strategies.empty() ? "" : " | ") + n;
  sub.add_option("--stream", o.stream, "Stream directory written by 'mnemo prepare'");
  sub.add_option("--run-dir", o.run_dir, "Directory for config.json, results.json, accuracy_matrix.csv");
  sub.add_flag("--overwrite", o.overwrite, "Replace results in an existing run directory");
  sub.add_option("--strategy", o.strategy, "Continual-learning strategy: " + strategies);
  sub.add_option("--model", o.model, "Model: mlp");
  sub.add_option("--hidden", o.hidden, "MLP hidden layer widths")->expected(1, 16);
  sub.add_option("--epochs", o.epochs, "Passes over each task");
  sub.add_option("--batch-size", o.batch_size, "Global stream batch per step (split across ranks)");
  sub.add_option("--lr", o.lr, "SGD learning rate");
  sub.add_option("--momentum", o.momentum, "SGD momentum");
  sub.add_option("--weight-decay", o.weight_decay, "SGD weight decay (L2)");
  sub.add_option("--replay-capacity", o.replay_capacity, "Global replay memory, samples (split across ranks)");
  sub.add_option("--replay-batch", o.replay_batch, "Global replay batch per step (split across ranks)");
  sub.add_option("--eval-batch", o.eval_batch, "Evaluation batch per rank");
  sub.add_option("--seed", o.seed, "Seed of initialisation, shuffles and replay sampling");
  sub.add_option("--backend", o.backend, "Gradient all-reduce backend: auto | mpi | nccl | local")
      ->check(CLI::IsMember({"auto", "mpi", "nccl", "local"}));
  sub.add_option("--threads", o.threads, "CPU threads per rank (0: cores / ranks on the node)");
  sub.add_option("--log-every", o.log_every, "Steps between progress lines (0: 4 per task)");
}

void run_prepare(const data::PrepareOptions& o, Communicator& control) {
  run_agreed(control, [&] {
    if (control.rank() == 0) spdlog::info("{}", data::prepare_stream(o));
  });
}

void run_train(const train::TrainOptions& o, Communicator& control) {
  if (control.rank() == 0) spdlog::info("resolved configuration:\n{}", nlohmann::json(o).dump(2));
  train::run_training(o, control);
}

}  // namespace mnemo::cli
