// Implements: the subcommands' option tables and entry points.
#include "cli/commands.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

#include "comm/agreement.h"
#include "core/atomic_file.h"
#include "core/env.h"
#include "core/error.h"
#include "core/process.h"
#include "data/stream_format.h"
#include "data/stream_inspect.h"
#include "eval/report.h"
#include "replay/replay_store.h"
#include "strategies/strategy.h"
#include "train/trainer.h"

namespace mnemo::cli {

void add_prepare_options(CLI::App& sub, data::PrepareOptions& o) {
  sub.add_option("--source", o.source, "Dataset source: idx | cifar10 | cifar100 | hdf5 | synthetic")
      ->check(CLI::IsMember({"idx", "cifar10", "cifar100", "hdf5", "synthetic"}));
  sub.add_option("--input", o.input, "IDX or CIFAR-binary directory, or the HDF5 file (train/ and test/ images, labels)");
  sub.add_option("--scenario", o.scenario, "class-incremental | task-incremental | permuted | rotated "
                                           "(the last two: domain-incremental, every class in every task)")
      ->check(CLI::IsMember({"class-incremental", "task-incremental", "permuted", "rotated"}));
  sub.add_option("--samples-per-task", o.samples_per_task, "permuted/rotated: training samples per task (0: all)");
  sub.add_option("--hdf5-layout", o.hdf5_layout, "hdf5 source: image layout nhwc | nchw ([N, H, W] also accepted)")
      ->check(CLI::IsMember({"nhwc", "nchw"}));
  sub.add_option("--idx-prefix", o.idx.prefix, "idx source: file-name prefix, e.g. emnist-balanced- (auto: the "
                                               "directory's only one)");
  sub.add_option("--idx-transpose", o.idx.transpose, "idx source: transpose each image: auto (yes for EMNIST "
                                                     "prefixes) | yes | no")
      ->check(CLI::IsMember({"auto", "yes", "no"}));
  sub.add_option("--name", o.name, "Dataset name recorded in the stream");
  sub.add_option("--output", o.output, "Stream directory to write");
  sub.add_option("--tasks", o.tasks, "Number of tasks");
  sub.add_option("--classes-per-task", o.classes_per_task, "Classes per task (class-incremental split)");
  sub.add_option("--seed", o.seed, "Seed of the class order and within-task shuffles");
  sub.add_option("--val-fraction", o.val_fraction, "Hold out this fraction of each task's training samples as "
                                                   "its validation split (train with --eval-split val)");
  sub.add_option("--shards", o.layout.shards, "Number of HDF5 shard files");
  sub.add_option("--chunk-rows", o.layout.chunk_rows, "HDF5 chunk size, samples");
  sub.add_option("--deflate", o.layout.deflate, "gzip level of the image datasets (0: none, the default: every rank reads every training row, and inflating them costs as much CPU as training on them)");
  sub.add_flag("--overwrite", o.overwrite, "Replace an existing output directory");
  sub.add_option("--synthetic-classes", o.synthetic.classes, "synthetic: number of classes");
  sub.add_option("--synthetic-train-per-class", o.synthetic.train_per_class, "synthetic: train samples per class");
  sub.add_option("--synthetic-test-per-class", o.synthetic.test_per_class, "synthetic: test samples per class");
  sub.add_option("--synthetic-side", o.synthetic.side, "synthetic: image side, pixels");
  sub.add_option("--synthetic-channels", o.synthetic.channels, "synthetic: image channels (3 for CIFAR-sized images)");
  sub.add_option("--synthetic-noise", o.synthetic.noise, "synthetic: noise std-dev, pixel units");
}

void add_train_options(CLI::App& sub, train::TrainOptions& o) {
  std::string strategies;
  for (const auto& n : strategies::strategy_names()) strategies += (strategies.empty() ? "" : " | ") + n;
  sub.add_option("--stream", o.stream, "Stream directory written by 'mnemo prepare'");
  sub.add_option("--run-dir", o.run_dir, "Directory for config.json, results.json, accuracy_matrix.csv");
  sub.add_flag("--overwrite", o.overwrite, "Replace results in an existing run directory");
  sub.add_option("--strategy", o.strategy, "Continual-learning strategy: " + strategies);
  sub.add_option("--model", o.model, "Model: mlp | cnn | resnet18 (reduced, nf=20)");
  sub.add_option("--hidden", o.hidden, "MLP hidden layer widths")->expected(1, 16);
  sub.add_option("--kernels", o.kernels, "fused: train the MLP on CPU through one hand-fused autograd node (same "
                                         "math, fewer operators); autograd: plain LibTorch layers")
      ->check(CLI::IsMember({"fused", "autograd"}));
  sub.add_option("--head", o.head, "single: one head over all classes (class-IL); per-task: one head per task, "
                                   "each sample's loss over its task's classes (task-IL); auto: per-task for "
                                   "task-incremental streams, else single")
      ->check(CLI::IsMember({"auto", "single", "per-task"}));
  sub.add_option("--epochs", o.epochs, "Passes over each task");
  sub.add_flag("--online", o.online, "Online (single-pass) learning: each sample is seen once");
  sub.add_option("--eval-every", o.eval_every, "Anytime evaluation of every task every K steps (0: task ends only)");
  sub.add_option("--batch-size", o.batch_size, "Global stream batch per step (split across ranks)");
  sub.add_option("--shuffle-window", o.shuffle_window, "Training rows read and shuffled together per rank (windows "
                                                       "visited in a seeded order); bounds input memory");
  sub.add_option("--optimizer", o.optimizer, "Optimizer: sgd | adam | adagrad | rmsprop (state reset per task)")
      ->check(CLI::IsMember({"sgd", "adam", "adagrad", "rmsprop"}));
  sub.add_option("--lr", o.lr, "Learning rate");
  sub.add_option("--momentum", o.momentum, "Momentum (sgd, rmsprop)");
  sub.add_option("--weight-decay", o.weight_decay, "Weight decay (L2 added to the gradient)");
  sub.add_option("--lr-schedule", o.lr_schedule, "Per-task schedule: constant | step | cosine")
      ->check(CLI::IsMember({"constant", "step", "cosine"}));
  sub.add_option("--lr-milestones", o.lr_milestones, "step schedule: epochs at which lr *= --lr-gamma");
  sub.add_option("--lr-gamma", o.lr_gamma, "step schedule: decay factor");
  sub.add_option("--replay-capacity", o.replay_capacity, "Global replay memory, samples (split across ranks)");
  sub.add_option("--replay-batch", o.replay_batch, "Global replay batch per step (split across ranks)");
  sub.add_option("--replay-policy", o.replay_policy, "Replay insertion: reservoir | class-balanced | ring (per task)")
      ->check(CLI::IsMember({"reservoir", "class-balanced", "ring"}));
  sub.add_option("--der-alpha", o.der_alpha, "der, derpp: weight of the logit-matching (MSE) term");
  sub.add_option("--der-beta", o.der_beta, "derpp: weight of the replayed-label CE term");
  sub.add_option("--ewc-lambda", o.ewc_lambda, "ewc: penalty weight");
  sub.add_option("--ewc-gamma", o.ewc_gamma, "ewc: decay of the accumulated Fisher (online EWC)");
  sub.add_option("--si-c", o.si_c, "si: penalty weight");
  sub.add_option("--si-xi", o.si_xi, "si: damping");
  sub.add_option("--lwf-alpha", o.lwf_alpha, "lwf: weight of the distillation term");
  sub.add_option("--lwf-temperature", o.lwf_temperature, "lwf: softmax temperature");
  sub.add_option("--gdumb-epochs", o.gdumb_epochs, "gdumb: passes over the memory when retraining at a task end");
  sub.add_option("--eval-batch", o.eval_batch, "Evaluation batch per rank");
  sub.add_option("--eval-split", o.eval_split, "Evaluate on each task's test split, or on its validation split "
                                               "(streams prepared with --val-fraction)")
      ->check(CLI::IsMember({"test", "val"}));
  sub.add_option("--eval-cache-mb", o.eval_cache_mb, "Evaluation samples kept in memory per rank, MiB; tasks "
                                                     "beyond it are streamed from the shards at each evaluation");
  sub.add_option("--seed", o.seed, "Seed of initialisation, shuffles and replay sampling");
  sub.add_option("--backend", o.backend, "Gradient all-reduce backend: auto | mpi | nccl | local")
      ->check(CLI::IsMember({"auto", "mpi", "nccl", "local"}));
  sub.add_option("--bucket-mb", o.bucket_mb, "Gradient bucket cap, MiB (0: one bucket for all gradients)");
  sub.add_flag("--overlap,!--no-overlap", o.overlap, "Start bucket all-reduces during backward");
  sub.add_option("--wire-dtype", o.wire_dtype, "Gradient all-reduce precision: fp32 | fp16 | bf16 (halves the bytes)")
      ->check(CLI::IsMember({"fp32", "fp16", "bf16"}));
  sub.add_flag("--deterministic", o.deterministic, "Deterministic kernels: same seed, world size and threads give "
                                                    "identical bytes");
  sub.add_option("--comm-timeout", o.comm_timeout, "Seconds a collective may wait before the watchdog ends the job, "
                                                   "naming the ranks that never joined (0: off)");
  sub.add_flag("--debug-collectives", o.debug_collectives, "Cross-check every collective's (sequence, op, bytes) "
                                                           "across ranks");
  sub.add_option("--checkpoint-every", o.checkpoint_every, "Also checkpoint every K steps (0: at task ends only)");
  sub.add_option("--checkpoint-minutes", o.checkpoint_minutes, "Also checkpoint every M minutes (0: off)");
  sub.add_option("--checkpoint-keep", o.checkpoint_keep, "Complete checkpoints to keep");
  sub.add_option("--resume", o.resume, "Resume: 'auto' (the newest complete checkpoint of --run-dir, or start) "
                                       "or a checkpoint directory");
  sub.add_flag("--force", o.force, "Resume even when result-affecting options differ from the checkpoint's");
  sub.add_option("--threads", o.threads, "CPU threads per rank (0: cores / ranks on the node)");
  sub.add_option("--log-every", o.log_every, "Steps between progress lines (0: 4 per task)");
}

void add_inspect_options(CLI::App& sub, std::vector<std::string>& paths) {
  sub.add_option("paths", paths, "Stream directories, replay directories (run-dir/replay) or replay shards")
      ->required();
}

void run_inspect(const std::vector<std::string>& paths, Communicator& control) {
  run_agreed(control, [&] {
    if (control.rank() != 0) return;
    for (const auto& p : paths) {
      const bool stream = std::filesystem::exists(std::filesystem::path(p) / data::kManifestFile);
      std::fputs((stream ? data::describe_stream(p) : replay::describe_replay(p)).c_str(), stdout);
    }
    std::fflush(stdout);
  });
}

void add_report_options(CLI::App& sub, ReportOptions& o) {
  sub.add_option("runs", o.runs, "Run directories (each with results.json)")->required();
  sub.add_option("--reference", o.reference, "A joint run: adds intransigence against its final accuracies");
  sub.add_option("--output", o.output, "Directory for report.txt, report.json and the plots");
  sub.add_flag("!--no-plots", o.plots, "Skip the matplotlib plots");
}

namespace {

// MNEMO_PYTHON, else Debian's python3 (which has matplotlib), else PATH's.
std::string python() {
  return env::get(env::kPython, std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
}

std::string plot_script() {
  const std::string configured = env::get(env::kPlotScript);
  if (!configured.empty()) return configured;
  for (const char* rel : {"mnemo_plot_report.py", "../share/mnemo/mnemo_plot_report.py"}) {
    const auto path = std::filesystem::path(executable_dir()) / rel;
    if (std::filesystem::exists(path)) return path.string();
  }
  throw InputError(with_hint("the plotting helper mnemo_plot_report.py is not next to the mnemo executable",
                             "set MNEMO_PLOT_SCRIPT to src/eval/plot_report.py, or pass --no-plots"));
}

void report(const ReportOptions& o) {
  std::vector<eval::RunSummary> runs;
  for (const auto& dir : o.runs) {
    auto run = eval::load_run(dir);
    if (!run.complete) {
      spdlog::warn("{} is incomplete (training did not finish); left out of the report", dir);
      continue;
    }
    runs.push_back(std::move(run));
  }
  if (runs.empty()) throw InputError("no complete run among the given directories");
  std::optional<eval::RunSummary> reference;
  if (!o.reference.empty()) reference = eval::load_run(o.reference);
  const auto rows = eval::build_report(runs, reference);
  const std::string table = eval::format_report(rows);
  std::fputs(table.c_str(), stdout);
  std::fflush(stdout);
  std::error_code ec;
  std::filesystem::create_directories(o.output, ec);
  if (ec) throw InputError(with_hint("cannot create " + o.output + ": " + ec.message(), "choose a writable --output"));
  const std::string json_path = (std::filesystem::path(o.output) / "report.json").string();
  write_file_atomically(json_path, eval::report_json(rows).dump(2) + "\n");
  write_file_atomically((std::filesystem::path(o.output) / "report.txt").string(), table);
  if (o.plots) {
    const std::vector<std::string> cmd = {python(), plot_script(), json_path, o.output};
    const int rc = run_process(cmd);
    if (rc != 0) {
      throw InputError(with_hint("plotting failed (" + cmd[0] + " " + cmd[1] + " exited " + std::to_string(rc) + ")",
                                 "install matplotlib (apt-get install python3-matplotlib), or pass --no-plots"));
    }
  }
  spdlog::info("wrote {}/report.txt, report.json{}", o.output, o.plots ? " and plots" : "");
}

}  // namespace

void run_report(const ReportOptions& o, Communicator& control) {
  run_agreed(control, [&] {
    if (control.rank() == 0) report(o);
  });
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
