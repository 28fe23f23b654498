// Implements: run_training (see trainer.h).
#include "train/trainer.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <numeric>
#include <thread>

#include "comm/agreement.h"
#include "comm/checked_communicator.h"
#include "comm/watchdog.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/memory.h"
#include "core/rng.h"
#include "core/signals.h"
#include "replay/replay_store.h"
#include "train/checkpoint.h"
#include "data/batch_loader.h"
#include "data/sharding.h"
#include "data/stream_reader.h"
#include "eval/eval_counts.h"
#include "model/model.h"
#include "strategies/replay_memory.h"
#include "strategies/strategy.h"
#include "train/evaluator.h"
#include "train/flat_parameters.h"
#include "train/optimizer.h"
#include "train/gradient_step.h"
#include "train/model_sync.h"
#include "train/progress.h"
#include "train/sample_tensors.h"

namespace mnemo::train {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

int threads_per_rank(const TrainOptions& o, const Communicator& comm) {
  if (o.threads > 0) return o.threads;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return std::max(1, static_cast<int>(cores) / std::max(1, comm.local_size()));
}

void validate(const TrainOptions& o) {
  auto positive = [](std::int64_t v, const char* name) {
    if (v < 1) throw UsageError(std::string("--") + name + " must be at least 1, got " + std::to_string(v));
  };
  positive(o.epochs, "epochs");
  if (o.online && o.epochs != 1) {
    throw UsageError(with_hint("--online trains on each sample once, but --epochs is " + std::to_string(o.epochs),
                               "drop --epochs or set it to 1"));
  }
  if (o.eval_every < 0) throw UsageError("--eval-every must be >= 0");
  positive(o.shuffle_window, "shuffle-window");
  positive(o.gdumb_epochs, "gdumb-epochs");
  if (o.eval_split != "test" && o.eval_split != "val") {
    throw UsageError(with_hint("unknown --eval-split '" + o.eval_split + "'", "use test or val"));
  }
  if (o.eval_cache_mb < 0) throw UsageError("--eval-cache-mb must be >= 0");
  positive(o.batch_size, "batch-size");
  positive(o.eval_batch, "eval-batch");
  if (o.replay_capacity < 0) throw UsageError("--replay-capacity must be >= 0");
  if (o.replay_batch < 0) throw UsageError("--replay-batch must be >= 0");
  validate(optimizer_options(o));
  if (o.bucket_mb < 0) throw UsageError("--bucket-mb must be >= 0");
  if (o.comm_timeout < 0) throw UsageError("--comm-timeout must be >= 0");
  if (o.checkpoint_every < 0 || o.checkpoint_minutes < 0) throw UsageError("--checkpoint-every/-minutes must be >= 0");
  if (o.head != "auto" && o.head != "single" && o.head != "per-task") {
    throw UsageError(with_hint("unknown --head '" + o.head + "'", "use auto, single or per-task"));
  }
  if (o.wire_dtype != "fp32" && o.wire_dtype != "fp16" && o.wire_dtype != "bf16") {
    throw UsageError(with_hint("unknown --wire-dtype '" + o.wire_dtype + "'", "use fp32, fp16 or bf16"));
  }
}

std::string heartbeat_dir(const TrainOptions& o) { return (fs::path(o.run_dir) / ".heartbeat").string(); }

// Rank 0 makes sure results can be written, and refuses to clobber a run.
void prepare_run_dir(const TrainOptions& o) {
  const fs::path dir(o.run_dir);
  if (fs::exists(dir / "results.json") && !o.overwrite && o.resume.empty()) {
    throw UsageError(with_hint("run directory " + o.run_dir + " already holds results.json",
                               "pass --overwrite to replace it, or choose another --run-dir"));
  }
  std::error_code ec;
  if (o.resume.empty()) {  // a stale replay set and checkpoints of an earlier run
    fs::remove_all(dir / "replay", ec);
    fs::remove_all(dir / "checkpoints", ec);
  }
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    throw InputError(with_hint("cannot create run directory " + o.run_dir + ": " + ec.message(),
                               "choose a writable --run-dir"));
  }
  write_file_atomically((dir / "config.json").string(), nlohmann::json(o).dump(2) + "\n");
}

class Trainer {
 public:
  Trainer(const TrainOptions& o, Communicator& control) : o_(o), control_(control) {}

  eval::RunResults run() {
    run_agreed(control_, [&] { setup(); });
    synchronize_model();
    eval::RunResults results;
    results.config = o_;
    results.stream = stream_info();
    results.num_classes = stream_->num_classes();
    results_ = &results;
    Position start;
    if (!o_.resume.empty()) run_agreed(control_, [&] { start = resume(results); });
    anytime_ = &results.anytime;
    global_step_ = start.global_step;
    if (start.step == 0) prefetch(start.task, start.epoch);  // read while the baseline is evaluated
    if (results.baseline_class_il.empty()) record_baseline(results);
    for (std::int64_t t = start.task; t < stream_->num_tasks(); ++t) {
      comm_seconds_ = 0;
      input_wait_seconds_ = 0;
      const auto start_time = Clock::now();
      eval::TaskTiming timing;
      timing.train_samples = train_task(t, t == start.task ? start : Position{t, 0, 0, global_step_});
      timing.seconds = std::chrono::duration<double>(Clock::now() - start_time).count();
      timing.classes = stream_->task(t).classes;
      const auto eval_start = Clock::now();
      record_row(t, results);
      timing.eval_seconds = std::chrono::duration<double>(Clock::now() - eval_start).count();
      // Cost figures are the worst rank's.
      double waits[2] = {comm_seconds_, input_wait_seconds_};
      control_.allreduce_max(waits, 2, DType::kFloat64);
      std::int64_t rss = peak_rss_bytes();
      control_.allreduce_max(&rss, 1, DType::kInt64);
      timing.comm_seconds = waits[0];
      timing.input_wait_seconds = waits[1];
      timing.peak_rss_bytes = rss;
      results.tasks.push_back(timing);
      if (control_.rank() == 0) log_task(t, results);
      checkpoint({t + 1, 0, 0, global_step_});
    }
    results.complete = true;
    results.model_fingerprint = fmt::format("{:016x}", flat_->value_fingerprint());
    run_agreed(control_, [&] {
      if (control_.rank() == 0) report(results);
    });
    return results;
  }

 private:
  void setup() {
    validate(o_);
    torch::set_num_threads(threads_per_rank(o_, control_));
    install_stop_signals();
    const bool gpu = torch::cuda::is_available();
    if (gpu) {
      device_ = torch::Device(torch::kCUDA, static_cast<int>(control_.local_rank() % torch::cuda::device_count()));
    }
    grad_comm_ = make_communicator(parse_backend(o_.backend), control_, gpu, device_.index());
    if (o_.comm_timeout > 0 && control_.world_size() > 1) {
      grad_comm_ = make_watched_communicator(std::move(grad_comm_), "gradient", heartbeat_dir(o_), o_.comm_timeout);
    }
    if (o_.debug_collectives) grad_comm_ = make_checked_communicator(std::move(grad_comm_), "gradient");
    if (o_.deterministic) at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/false);
    if (grad_comm_->buffer_place() == BufferPlace::kHost && device_.is_cuda()) {
      device_ = torch::kCPU;  // an explicit host backend keeps the model on the CPU
    }
    stream_ = std::make_unique<data::StreamReader>(o_.stream);
    for (std::int64_t t = 0; t < stream_->num_tasks(); ++t) {
      data::check_data_parallel(stream_->task(t).train_count, o_.batch_size, control_.world_size());
    }
    torch::manual_seed(o_.seed);
    model::ModelOptions mo;
    mo.name = o_.model;
    mo.input_shape = stream_->image_shape();
    mo.num_classes = stream_->num_classes();
    mo.hidden = o_.hidden;
    mo.fused_kernels = o_.kernels == "fused";
    model_ = model::make_model(mo);
    model_->to(device_);
    model_->train();
    flat_ = std::make_unique<FlatParameters>(*model_);
    optimizer_ = make_optimizer(optimizer_options(o_));
    const DType wire = o_.wire_dtype == "fp16"   ? DType::kFloat16
                       : o_.wire_dtype == "bf16" ? DType::kBFloat16
                                                 : DType::kFloat32;
    reducer_ = std::make_unique<GradientReducer>(*flat_, *grad_comm_,
                                                 static_cast<std::size_t>(o_.bucket_mb * (1 << 20)), o_.overlap, wire);

    strategies::StrategyContext ctx;
    ctx.model = model_;
    ctx.device = device_;
    ctx.rank = control_.rank();
    ctx.world_size = control_.world_size();
    ctx.num_classes = stream_->num_classes();
    ctx.image_shape = stream_->image_shape();
    ctx.seed = o_.seed;
    const bool per_task = o_.head == "per-task" || (o_.head == "auto" && stream_->scenario() == "task-incremental");
    if (per_task) {
      std::vector<std::vector<std::int64_t>> classes;
      for (std::int64_t t = 0; t < stream_->num_tasks(); ++t) classes.push_back(stream_->task(t).classes);
      ctx.head_mask = strategies::make_head_mask(classes, stream_->num_classes()).to(device_);
    }
    ctx.num_tasks = stream_->num_tasks();
    for (std::int64_t t = 0; t < stream_->num_tasks(); ++t) ctx.task_classes.push_back(stream_->task(t).classes);
    ctx.services.parameters = [this] { return flat_->values(); };
    ctx.services.gradient = [this] { return flat_->grads(); };
    ctx.services.synced_gradient = [this](const std::vector<strategies::LossTerm>& terms) {
      synced_gradient(terms, *flat_, control_, *reducer_, &comm_seconds_);
    };
    ctx.services.allreduce_sum = [this](torch::Tensor& t) {
      MNEMO_ASSERT(t.is_contiguous() && t.scalar_type() == torch::kFloat32, "allreduce_sum takes contiguous float32");
      grad_comm_->allreduce_sum(t.data_ptr(), static_cast<std::size_t>(t.numel()), DType::kFloat32);
    };
    ctx.services.clone_model = [this, mo] {
      model::Model copy = model::make_model(mo);
      copy->to(device_);
      torch::NoGradGuard no_grad;
      auto src = model_->parameters(), dst = copy->parameters();
      for (std::size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
      auto bsrc = model_->buffers(), bdst = copy->buffers();
      for (std::size_t i = 0; i < bsrc.size(); ++i) bdst[i].copy_(bsrc[i]);
      for (auto& p : copy->parameters()) p.set_requires_grad(false);
      copy->eval();
      return copy;
    };
    strategies::StrategyOptions so;
    so.name = o_.strategy;
    so.replay_capacity = o_.replay_capacity;
    so.replay_batch = o_.replay_batch;
    so.replay_policy = o_.replay_policy;
    so.der_alpha = o_.der_alpha;
    so.der_beta = o_.der_beta;
    so.ewc_lambda = o_.ewc_lambda;
    so.ewc_gamma = o_.ewc_gamma;
    so.si_c = o_.si_c;
    so.si_xi = o_.si_xi;
    so.lwf_alpha = o_.lwf_alpha;
    so.lwf_temperature = o_.lwf_temperature;
    so.lr = o_.lr;
    so.gdumb_epochs = o_.gdumb_epochs;
    strategy_ = strategies::make_strategy(so, ctx);
    Evaluator::Options eo;
    eo.split = o_.eval_split == "val" ? data::Split::kVal : data::Split::kTest;
    eo.batch_size = o_.eval_batch;
    eo.cache_bytes = static_cast<std::int64_t>(o_.eval_cache_mb * (1 << 20));
    evaluator_ = std::make_unique<Evaluator>(*stream_, control_.world_size(), control_.rank(), device_, eo);
    if (control_.rank() == 0) prepare_run_dir(o_);
    spdlog::info("{} ranks, backend {}, device {}, {} threads/rank; {} parameters in {} gradient bucket(s){}; "
                 "stream {} ({} tasks)",
                 control_.world_size(), grad_comm_->backend(), device_.str(), threads_per_rank(o_, control_),
                 flat_->numel(), reducer_->num_buckets(), reducer_->overlaps() ? " overlapped with backward" : "", o_.stream,
                 stream_->num_tasks());
  }

  // Every rank must hold the same architecture; then rank 0's weights win.
  void synchronize_model() {
    verify_same_model(control_, *flat_);
    broadcast_parameters(*grad_comm_, *flat_, 0);
  }

  void report(const eval::RunResults& r) const {
    const auto class_il = eval::compute_metrics(r.class_il, r.baseline_class_il);
    const auto task_il = eval::compute_metrics(r.task_il, r.baseline_task_il);
    std::fprintf(stdout, "\n%s\n%s\n%s\n%s\n\n", eval::format_matrix(r.class_il, "Class-IL accuracy matrix").c_str(),
                 eval::format_matrix(r.task_il, "Task-IL accuracy matrix").c_str(),
                 eval::format_metrics(class_il, "class-IL").c_str(), eval::format_metrics(task_il, "task-IL").c_str());
    std::fflush(stdout);
    eval::write_results(o_.run_dir, r);
    spdlog::info("wrote {}/results.json, accuracy_matrix.csv and results.h5", o_.run_dir);
  }

  nlohmann::json stream_info() const {
    nlohmann::json tasks = nlohmann::json::array();
    for (std::int64_t t = 0; t < stream_->num_tasks(); ++t) tasks.push_back(stream_->task(t).classes);
    return {{"dir", fs::absolute(o_.stream).string()},
            {"stream_id", stream_->stream_id()},
            {"dataset", stream_->dataset()},
            {"scenario", stream_->scenario()},
            {"num_classes", stream_->num_classes()},
            {"class_order", stream_->class_order()},
            {"task_classes", tasks},
            {"seed", stream_->seed()},
            {"provenance", nlohmann::json::parse(stream_->provenance_json(), nullptr, false)}};
  }

  eval::EvalCounts evaluate_all() {
    average_buffers(*grad_comm_, *model_);
    eval::EvalCounts counts = evaluator_->evaluate(
        *model_, [this](model::ModelImpl& m, const torch::Tensor& x) { return strategy_->predict(m, x); });
    eval::reduce_counts(control_, counts, 0);
    return counts;
  }

  void record_baseline(eval::RunResults& r) {
    const auto c = evaluate_all();
    r.baseline_class_il = eval::accuracies(c.correct_class_il, c.total);
    r.baseline_task_il = eval::accuracies(c.correct_task_il, c.total);
  }

  // Options that do not change results; every other field must match on resume.
  static bool result_neutral(const std::string& key) {
    static const std::set<std::string> kNeutral = {
        "run_dir", "overwrite", "resume", "force", "threads", "log_every", "eval_batch", "eval_cache_mb", "debug_collectives",
        "checkpoint_every", "checkpoint_minutes", "checkpoint_keep", "backend", "bucket_mb", "overlap", "comm_timeout"};
    return kNeutral.count(key) != 0;
  }

  // Writes a checkpoint at `next` (all ranks); returns its directory.
  std::string checkpoint(const Position& next) {
    CheckpointWriters w;
    w.rank0 = [&](const std::string& dir) {
      const nlohmann::json meta = {{"position",
                                    {{"task", next.task}, {"epoch", next.epoch}, {"step", next.step},
                                     {"global_step", next.global_step}}},
                                   {"world_size", control_.world_size()},
                                   {"config", o_},
                                   {"results", eval::results_json(*results_)}};
      write_file_atomically(dir + "/meta.json", meta.dump(1) + "\n");
      torch::serialize::OutputArchive archive;
      archive.write("values", flat_->values().to(torch::kCPU));
      for (auto& [name, tensor] : optimizer_->state()) strategies::save_tensor(archive, "opt." + name, *tensor);
      strategy_->save_state(archive);
      archive.save_to(dir + "/model.pt");
      sync_file(dir + "/model.pt");
    };
    w.every_rank = [&](const std::string& dir) {  // the replay memory's shards (and its global state)
      if (strategies::ReplayMemory* memory = strategy_->memory()) {
        memory->save(dir + "/replay");
        sync_file(dir + "/replay/" + replay::replay_shard_name(control_.rank(), control_.world_size()));
      }
    };
    const std::string where = write_checkpoint(o_.run_dir, next, o_.checkpoint_keep, control_, w);
    last_checkpoint_ = Clock::now();
    spdlog::debug("checkpoint {}", where);
    return where;
  }

  // Restores a checkpoint (no collectives: runs inside run_agreed); returns
  // where to continue. "auto" with no checkpoint starts from scratch.
  Position resume(eval::RunResults& results) {
    std::string dir = o_.resume;
    if (dir == "auto") {
      const auto latest = latest_checkpoint(o_.run_dir);
      if (!latest) {
        spdlog::info("--resume auto: no checkpoint in {}/checkpoints; starting from scratch", o_.run_dir);
        return {};
      }
      dir = *latest;
    }
    if (!fs::exists(fs::path(dir) / "DONE")) {
      throw InputError(with_hint("checkpoint " + dir + " is incomplete or missing (no DONE marker)",
                                 "use --resume auto to pick the newest complete checkpoint"));
    }
    std::ifstream in(fs::path(dir) / "meta.json");
    const nlohmann::json meta = nlohmann::json::parse(in, nullptr, false);
    if (meta.is_discarded() || !meta.contains("config") || !meta.contains("position") || !meta.contains("results")) {
      throw InputError(dir + "/meta.json is damaged");
    }
    std::vector<std::string> differ;
    const nlohmann::json now = o_;
    for (const auto& [key, value] : meta.at("config").items()) {
      if (!result_neutral(key) && (!now.contains(key) || now.at(key) != value)) {
        differ.push_back(key + " (checkpoint " + value.dump() + ", now " + (now.contains(key) ? now.at(key).dump() : "?") + ")");
      }
    }
    if (!differ.empty() && !o_.force) {
      std::string list;
      for (const auto& d : differ) list += "\n    " + d;
      throw UsageError(with_hint("checkpoint " + dir + " was made with different result-affecting options:" + list,
                                 "resume with the same options, or pass --force to continue anyway"));
    }
    results = eval::results_from_json(meta.at("results"));
    results.config = o_;
    const auto& p = meta.at("position");
    const Position at{p.at("task").get<std::int64_t>(), p.at("epoch").get<std::int64_t>(),
                      p.at("step").get<std::int64_t>(), p.at("global_step").get<std::int64_t>()};
    torch::serialize::InputArchive archive;
    torch::Tensor values;
    try {
      archive.load_from(dir + "/model.pt");
      archive.read("values", values);
    } catch (const c10::Error& e) {
      throw InputError(with_hint(dir + "/model.pt is damaged or not a mnemo checkpoint",
                                 "resume from an older checkpoint (pass its directory to --resume)"));
    }
    if (values.numel() != flat_->numel()) throw InputError(dir + "/model.pt holds another model");
    {
      torch::NoGradGuard no_grad;
      flat_->values().copy_(values);
    }
    for (auto& [name, tensor] : optimizer_->state()) strategies::load_tensor(archive, "opt." + name, *tensor, device_);
    strategy_->load_state(archive);
    if (strategies::ReplayMemory* memory = strategy_->memory()) {
      memory->load(dir + "/replay");  // any world size: samples keep their global slots
    }
    spdlog::info("resumed from {} at task {} epoch {} step {} (trained on {} ranks, now {}){}", dir, at.task, at.epoch,
                 at.step, meta.at("world_size").get<int>(), control_.world_size(),
                 differ.empty() ? "" : "; --force: options differ");
    return at;
  }

  // Anytime evaluation (all ranks, same steps): accuracy on every task now.
  void record_anytime(std::int64_t t) {
    const auto c = evaluate_all();
    anytime_->push_back({t, global_step_, eval::accuracies(c.correct_class_il, c.total),
                         eval::accuracies(c.correct_task_il, c.total)});
  }

  void record_row(std::int64_t t, eval::RunResults& r) {
    const auto c = evaluate_all();
    r.class_il.push_back(eval::accuracies(c.correct_class_il, c.total));
    r.task_il.push_back(eval::accuracies(c.correct_task_il, c.total));
    r.confusion.push_back(c.confusion);
  }

  static void log_task(std::int64_t t, const eval::RunResults& r) {
    std::string row;
    for (std::int64_t j = 0; j <= t; ++j) row += fmt::format(" {:.1f}", 100 * r.class_il.back()[j]);
    const auto& c = r.tasks.back();
    spdlog::info("task {} done: {:.2f}s training ({:.0f} samples/s, {:.0f}% in collectives), {:.2f}s evaluation, "
                 "peak RSS {} MiB; class-IL accuracy on tasks 0..{}:{}",
                 t, c.seconds, c.train_samples / std::max(c.seconds, 1e-9), 100 * c.comm_seconds / std::max(c.seconds, 1e-9),
                 c.eval_seconds, c.peak_rss_bytes >> 20, t, row);
  }

  // Trains task t (on the tasks the strategy names); returns the global
  // number of training samples seen.
  std::int64_t train_task(std::int64_t t, const Position& from) {
    const bool mid_task = from.epoch > 0 || from.step > 0;
    const TaskPlan plan = plan_task(t);
    const data::Range block = data::block_range(stream_->task(t).train_count, control_.world_size(), control_.rank());
    strategies::TaskSamples current;
    current.task = t;
    current.count = block.size();
    current.first = block.begin;
    current.total = stream_->task(t).train_count;
    current.read = [this, t, block](std::int64_t begin, std::int64_t end) {
      MNEMO_ASSERT(0 <= begin && begin <= end && end <= block.size(), "TaskSamples::read beyond the block");
      return block_tensors(stream_->read(t, data::Split::kTrain, {block.begin + begin, block.begin + end}),
                           stream_->image_shape());
    };
    verify_same_model(control_, *flat_);  // again at every task boundary
    if (!mid_task) {  // a mid-task resume restored the strategy and optimizer instead
      strategy_->before_task(t);
      optimizer_->reset();
    }
    if (!plan.segments.empty()) {
      for (std::int64_t epoch = from.epoch; epoch < o_.epochs; ++epoch) {
        train_epoch(t, epoch, epoch == from.epoch ? from.step : 0, plan);
      }
    }
    strategy_->after_task(current);
    if (strategies::ReplayMemory* memory = strategy_->memory()) {
      // Every rank persists its shard; the set is complete after the barrier.
      memory->save((std::filesystem::path(o_.run_dir) / "replay").string());
      control_.barrier();
    }
    return plan.rows * o_.epochs;
  }

  // What training task t reads: every row of each of the strategy's
  // training tasks, concatenated, in global batches. Every rank reads the
  // same global batches and trains on its slice of each, so the batches do
  // not depend on the number of ranks.
  struct TaskPlan {
    std::vector<data::Segment> segments;
    std::int64_t rows = 0;
    std::int64_t steps = 0;  ///< optimizer steps per epoch
  };

  TaskPlan plan_task(std::int64_t t) const {
    TaskPlan plan;
    for (auto k : strategy_->training_tasks(t, stream_->num_tasks())) {
      plan.segments.push_back({k, {0, stream_->task(k).train_count}});
      plan.rows += stream_->task(k).train_count;
    }
    plan.steps = (plan.rows + o_.batch_size - 1) / o_.batch_size;
    return plan;
  }

  // The global batches of (task t, epoch) from `first_step` on, read in the
  // background; the order depends on (seed, task, epoch) only.
  std::unique_ptr<data::BatchLoader> make_loader(std::int64_t t, std::int64_t epoch, std::int64_t first_step,
                                                 const TaskPlan& plan) const {
    std::vector<data::Range> batches;
    for (std::int64_t step = first_step; step < plan.steps; ++step) {
      batches.push_back({step * o_.batch_size, std::min(plan.rows, (step + 1) * o_.batch_size)});
    }
    data::BatchLoader::Options lo;
    lo.window = o_.shuffle_window;
    lo.shuffle = Rng::derive(o_.seed, 0xe90c, static_cast<std::uint64_t>(t * 1000003 + epoch));
    lo.memo = train_windows_;  // a task that fits in one window is read once, not once per epoch
    return std::make_unique<data::BatchLoader>(*stream_, data::Split::kTrain, plan.segments, std::move(batches), lo);
  }

  // Starts reading epoch `epoch` of task t now, so that its first window is
  // in memory when it begins (across task boundaries too).
  void prefetch(std::int64_t t, std::int64_t epoch) {
    next_loader_.reset();
    if (t >= stream_->num_tasks()) return;
    const TaskPlan plan = plan_task(t);
    if (plan.segments.empty()) return;
    next_loader_ = make_loader(t, epoch, 0, plan);
    next_loader_task_ = t;
    next_loader_epoch_ = epoch;
  }
  void prefetch_after(std::int64_t t, std::int64_t epoch) {
    if (epoch + 1 < o_.epochs) return prefetch(t, epoch + 1);
    prefetch(t + 1, 0);
  }

  void train_epoch(std::int64_t t, std::int64_t epoch, std::int64_t first_step, const TaskPlan& plan) {
    std::unique_ptr<data::BatchLoader> loader;
    if (next_loader_ && next_loader_task_ == t && next_loader_epoch_ == epoch && first_step == 0) {
      loader = std::move(next_loader_);
    } else {
      loader = make_loader(t, epoch, first_step, plan);
    }
    prefetch_after(t, epoch);
    Progress progress(control_.rank() == 0, t, epoch, plan.steps, o_.log_every);
    for (std::int64_t step = first_step; step < plan.steps; ++step) {
      std::optional<data::SampleBlock> block = loader->next();
      MNEMO_ASSERT(block.has_value(), "the loader ended before the epoch");
      strategies::Batch batch;
      batch.task = t;
      std::tie(batch.global_images, batch.global_labels) = block_tensors(std::move(*block), stream_->image_shape());
      const data::Range mine = data::block_range(batch.global_labels.size(0), control_.world_size(), control_.rank());
      batch.offset = mine.begin;
      batch.images = batch.global_images.narrow(0, mine.begin, mine.size());
      batch.y = batch.global_labels.narrow(0, mine.begin, mine.size()).to(device_);
      batch.x = strategies::to_input(batch.images, device_);
      const double loss =
          train_step(batch, scheduled_lr(optimizer_options(o_), epoch, step, plan.steps, o_.epochs));
      progress.update(step, loss, o_.batch_size, [this] { return strategy_->summary(); });
      ++global_step_;
      if (o_.eval_every > 0 && global_step_ % o_.eval_every == 0) record_anytime(t);
      const Position next = step + 1 < plan.steps ? Position{t, epoch, step + 1, global_step_}
                                                   : Position{t, epoch + 1, 0, global_step_};
      if (stop_agreed_ > 0) {
        progress.finish();
        const std::string where = checkpoint(next);
        throw AgreedError("preempted: checkpointed to " + where + "; exiting with " +
                              std::to_string(kExitRequeue) + " so the job is requeued (resume with --resume auto)",
                          kExitRequeue, control_.rank() == 0);
      }
      if ((o_.checkpoint_every > 0 && global_step_ % o_.checkpoint_every == 0) || checkpoint_due_) checkpoint(next);
    }
    progress.finish();
    input_wait_seconds_ += loader->wait_seconds();
  }

  // One optimizer step; returns an estimate of the global loss (this rank's
  // share times the world size), for progress lines only.
  double train_step(const strategies::Batch& batch, double lr) {
    // One summed flag carries both decisions: each rank adds 1 when it was
    // asked to stop; rank 0 adds kCheckpointDue when --checkpoint-minutes
    // elapsed (wall clocks differ across ranks; rank 0's decides).
    constexpr std::int64_t kCheckpointDue = 1 << 20;
    const bool due = control_.rank() == 0 && o_.checkpoint_minutes > 0 &&
                     Clock::now() - last_checkpoint_ > std::chrono::duration<double>(60.0 * o_.checkpoint_minutes);
    stop_agreed_ = (stop_requested() ? 1 : 0) + (due ? kCheckpointDue : 0);
    const double loss =
        synced_gradient(strategy_->loss(batch), *flat_, control_, *reducer_, &comm_seconds_, &stop_agreed_);
    if (!std::isfinite(loss)) {  // all-reduced into every rank's parameters at the step: stop now
      throw Error(with_hint("training diverged: the loss is " + std::to_string(loss) + " at task " +
                                std::to_string(batch.task) + ", global step " + std::to_string(global_step_),
                            "lower --lr (or the strategy's loss weights); earlier checkpoints stay valid"),
                  kExitDiverged);
    }
    checkpoint_due_ = stop_agreed_ >= kCheckpointDue;
    stop_agreed_ %= kCheckpointDue;
    strategy_->after_sync();
    optimizer_->step(flat_->values(), flat_->grads(), lr);
    strategy_->after_step(batch);
    return loss * control_.world_size();
  }

  TrainOptions o_;
  Communicator& control_;
  std::unique_ptr<Communicator> grad_comm_;
  torch::Device device_ = torch::kCPU;
  std::unique_ptr<data::StreamReader> stream_;
  model::Model model_;
  std::unique_ptr<FlatParameters> flat_;
  std::unique_ptr<FlatOptimizer> optimizer_;
  std::unique_ptr<GradientReducer> reducer_;
  std::unique_ptr<strategies::Strategy> strategy_;
  std::unique_ptr<Evaluator> evaluator_;
  std::unique_ptr<data::BatchLoader> next_loader_;  // the next epoch's batches, read ahead
  std::shared_ptr<data::WindowMemo> train_windows_ = std::make_shared<data::WindowMemo>();
  std::int64_t next_loader_task_ = -1, next_loader_epoch_ = -1;
  double comm_seconds_ = 0;  // time in collectives during the current task
  double input_wait_seconds_ = 0;  // time waiting for input batches during the current task
  std::int64_t global_step_ = 0;
  std::int64_t stop_agreed_ = 0;            // ranks asked to stop this step (summed over ranks)
  bool checkpoint_due_ = false;             // --checkpoint-minutes elapsed (rank 0's clock)
  Clock::time_point last_checkpoint_ = Clock::now();
  eval::RunResults* results_ = nullptr;
  std::vector<eval::AnytimePoint>* anytime_ = nullptr;
};

}  // namespace

eval::RunResults run_training(const TrainOptions& options, Communicator& control) {
  // Decorators: the watchdog (a stuck collective ends the job) and, for
  // debugging, the cross-check of every collective.
  std::unique_ptr<Communicator> watched, checked;
  Communicator* comm = &control;
  if (options.comm_timeout > 0 && control.world_size() > 1) {
    // Agreed: an unwritable run directory fails here, on every rank, cleanly.
    run_agreed(control, [&] {
      watched = make_watched_communicator(*comm, "control", heartbeat_dir(options), options.comm_timeout);
    });
    comm = watched.get();
  }
  if (options.debug_collectives && control.world_size() > 1) {
    checked = make_checked_communicator(*comm, "control");
    comm = checked.get();
  }
  return Trainer(options, *comm).run();
}

}  // namespace mnemo::train
