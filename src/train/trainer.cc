// Implements: run_training (see trainer.h): the loop over tasks, epochs and
//   steps. Set-up is in run_setup, checkpoint contents in run_state, the
//   input of each task in task_input, the gradient of a step in
//   gradient_step; what is left reads top to bottom.
#include "train/trainer.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "comm/agreement.h"
#include "comm/checked_communicator.h"
#include "comm/watchdog.h"
#include "core/blas_kernels.h"
#include "core/error.h"
#include "core/memory.h"
#include "core/signals.h"
#include "eval/eval_counts.h"
#include "strategies/replay_memory.h"
#include "train/gradient_step.h"
#include "train/metrics_log.h"
#include "train/model_export.h"
#include "train/model_sync.h"
#include "train/progress.h"
#include "train/run_dir.h"
#include "train/run_results.h"
#include "train/run_setup.h"
#include "train/run_state.h"
#include "train/task_input.h"

namespace mnemo::train {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

class Trainer {
 public:
  Trainer(const TrainOptions& o, Communicator& control) : o_(o), control_(control) {}

  eval::RunResults run() {
    run_agreed(control_, [&] {
      run_ = set_up_run(o_, control_);
      if (control_.rank() == 0) prepare_run_dir(o_);
      spdlog::info("{}", run_->describe());
    });
    input_ = std::make_unique<TaskInput>(*run_->stream, *run_->strategy, o_.run, control_.world_size(), control_.rank());
    // Every rank must hold the same architecture; then rank 0's weights win.
    verify_same_model(control_, *run_->flat);
    broadcast_parameters(*run_->grad_comm, *run_->flat, 0);

    results_.config = to_json(o_);
    results_.stream = stream_info(*run_->stream, o_.run.stream);

    results_.num_classes = run_->stream->num_classes();
    Position start;
    if (!o_.checkpoint.resume.empty()) run_agreed(control_, [&] { start = resume(); });
    results_.config = to_json(o_);  // a resume with --force finishes with these options
    const BlasKernels& blas = select_blas_kernels();  // this process's, also after a resume
    results_.machine = {{"blas_library", blas.library},
                        {"blas_kernels", blas.in_use},
                        {"blas_detected", blas.detected},
                        {"blas_reason", blas.reason}};
    if (control_.rank() == 0) spdlog::info("BLAS kernels: {} ({})", blas.in_use.empty() ? "?" : blas.in_use, blas.reason);
    global_step_ = start.global_step;
    open_metrics_log(start.global_step);
    if (start.step == 0) input_->prefetch(start.task, start.epoch);  // read while the baseline is evaluated
    if (results_.baseline_class_il.empty()) record_baseline();
    for (std::int64_t t = start.task; t < run_->stream->num_tasks(); ++t) {
      run_->costs = {};
      window_.restart(0, 0);
      const auto train_start = Clock::now();
      const std::int64_t bytes_before = input_->bytes_read();
      eval::TaskTiming timing;
      timing.train_samples = train_task(t, t == start.task ? start : Position{t, 0, 0, global_step_});
      timing.seconds = seconds_since(train_start);
      timing.input_bytes = control_.allgather(input_->bytes_read() - bytes_before);
      timing.classes = run_->stream->task(t).classes;
      timing.parameters = run_->flat->numel() + run_->flat->frozen_numel();
      const std::int64_t masked_within = run_->model->trained_elements();
      timing.trainable_parameters = masked_within >= 0 ? masked_within : run_->flat->numel();
      timing.gradient_bytes_per_step =
          control_.world_size() > 1 ? run_->flat->numel() * static_cast<std::int64_t>(dtype_size(o_.reducer.wire)) : 0;
      const auto eval_start = Clock::now();
      record_row();
      export_model("task-" + std::to_string(t));
      timing.eval_seconds = seconds_since(eval_start);
      record_costs(timing);
      results_.tasks.push_back(timing);
      if (control_.rank() == 0) spdlog::info("{}", task_summary(t, results_));
      checkpoint({t + 1, 0, 0, global_step_});
    }
    results_.complete = true;
    results_.model_fingerprint = fmt::format("{:016x}", parameter_fingerprint(*run_->model));
    export_model("final");
    run_agreed(control_, [&] {
      if (control_.rank() == 0) report_results(results_, o_.run.run_dir);
    });
    return results_;
  }

 private:
  // Trains task t (on the tasks the strategy names) from `from`; returns
  // the global number of training samples seen.
  std::int64_t train_task(std::int64_t t, const Position& from) {
    const bool mid_task = from.epoch > 0 || from.step > 0;
    const TaskPlan plan = input_->plan(t);
    grow(t);
    verify_same_model(control_, *run_->flat);  // again at every task boundary
    if (!mid_task) {  // a mid-task resume restored the strategy and optimizer instead
      run_->strategy->before_task(t);
      run_->optimizer->reset();
    }
    if (!plan.segments.empty()) {
      for (std::int64_t epoch = from.epoch; epoch < o_.run.epochs; ++epoch) {
        train_epoch(t, epoch, epoch == from.epoch ? from.step : 0, plan);
      }
    }
    run_->strategy->after_task(input_->block(t));
    if (strategies::ReplayMemory* memory = run_->strategy->memory()) {
      // Every rank persists its shard; the set is complete after the barrier.
      memory->save((std::filesystem::path(o_.run.run_dir) / "replay").string());
      control_.barrier();
    }
    return plan.rows * o_.run.epochs;
  }

  // A growing network builds task t's column (every rank alike); the flat
  // buffers then hold only what task t trains. All ranks.
  void grow(std::int64_t t) {
    if (run_->model->grow_to_task(t)) {
      rebuild_flat_parameters(*run_);
      broadcast_parameters(*run_->grad_comm, *run_->flat, 0);
      if (control_.rank() == 0) {
        spdlog::info("task {}: the network grew to {} parameters; {} train, {} are frozen", t,
                     run_->flat->numel() + run_->flat->frozen_numel(), run_->flat->numel(),
                     run_->flat->frozen_numel());
      }
    }
    run_->model->use_task(t);
  }

  void train_epoch(std::int64_t t, std::int64_t epoch, std::int64_t first_step, const TaskPlan& plan) {
    std::unique_ptr<data::BatchLoader> loader = input_->take(t, epoch, first_step);
    input_->prefetch_after(t, epoch);
    Progress progress(control_.rank() == 0, o_.run.progress, t, epoch, plan.steps, o_.run.log_every);
    const std::int64_t task_steps = plan.steps * o_.run.epochs;
    const std::int64_t row_every = metrics_interval(o_.run.metrics_every, task_steps);
    for (std::int64_t step = first_step; step < plan.steps; ++step) {
      std::optional<data::LoadedBatch> block = loader->next();
      MNEMO_ASSERT(block.has_value(), "the loader ended before the epoch");
      const strategies::Batch batch =
          input_->slice(t, std::move(*block), run_->input_norm, run_->augment, global_step_, run_->device);
      const double lr = scheduled_lr(o_.optimizer, epoch, step, plan.steps, o_.run.epochs);
      const std::int64_t task_step = epoch * plan.steps + step + 1;
      const StepAgreement agreed = train_step(batch, lr, progress, step);
      run_->model->after_optimizer_step(t, task_step, task_steps);  // PackNet: fixed weights back; pruning
      ++global_step_;
      const bool anytime = o_.run.eval_every > 0 && global_step_ % o_.run.eval_every == 0;
      if (anytime) record_anytime(t);
      if (anytime || task_step % row_every == 0 || task_step == task_steps) {
        write_metrics_row(t, epoch, lr, anytime, run_->costs.input_wait_seconds + loader->wait_seconds());
      }
      const Position next = step + 1 < plan.steps ? Position{t, epoch, step + 1, global_step_}
                                                   : Position{t, epoch + 1, 0, global_step_};
      if (agreed.stop()) {
        progress.finish();
        const std::string where = checkpoint(next);
        throw AgreedError("preempted: checkpointed to " + where + "; exiting with " +
                              std::to_string(kExitRequeue) + " so the job is requeued (resume with --resume auto)",
                          kExitRequeue, control_.rank() == 0);
      }
      const bool every = o_.checkpoint.every > 0 && global_step_ % o_.checkpoint.every == 0;
      if (every || agreed.checkpoint()) checkpoint(next);
    }
    progress.finish();
    run_->costs.input_wait_seconds += loader->wait_seconds();
    input_->finished(*loader);
  }

  // One optimizer step; returns what the ranks agreed on along the way.
  StepAgreement train_step(const strategies::Batch& batch, double lr, Progress& progress, std::int64_t step) {
    StepAgreement agreed;
    agreed.ranks_stopping = stop_requested() ? 1 : 0;
    // Wall clocks differ across ranks: rank 0's decides.
    agreed.checkpoint_due = control_.rank() == 0 && o_.checkpoint.minutes > 0 &&
                            seconds_since(last_checkpoint_) > 60.0 * o_.checkpoint.minutes;
    SyncExtras& extras = step_extras_;  // built once: the step is the hot path
    extras.comm_seconds = &run_->costs.comm_seconds;
    extras.agreement = &agreed;
    const StepLoss step_loss =
        synced_gradient(run_->strategy->loss(batch), *run_->flat, control_, *run_->reducer, extras);
    window_.add_step(step_loss, batch.size());
    const double loss = step_loss.total;
    if (!std::isfinite(loss)) {  // all-reduced into every rank's parameters at the step: stop now
      throw Error(with_hint("training diverged: the loss is " + std::to_string(loss) + " at task " +
                                std::to_string(batch.task) + ", global step " + std::to_string(global_step_),
                            "lower --lr (or the strategy's loss weights); earlier checkpoints stay valid"),
                  kExitDiverged);
    }
    run_->strategy->after_sync();
    run_->optimizer->step(run_->flat->values(), run_->flat->grads(), lr);
    run_->strategy->after_step(batch);
    // This rank's share of the global loss, times the ranks: an estimate for progress lines.
    progress.update(step, loss * control_.world_size(), o_.run.batch_size,
                    [this] { return run_->strategy->summary(); });
    return agreed;
  }

  // Rank 0 opens RUN/metrics.csv (resuming: after the checkpoint's step). Agreed.
  void open_metrics_log(std::int64_t resume_step) {
    loss_names_ = run_->strategy->loss_names().size();
    run_agreed(control_, [&] {
      if (control_.rank() != 0) return;
      metrics_log_ = std::make_unique<MetricsLog>((std::filesystem::path(o_.run.run_dir) / "metrics.csv").string(),
                                                   metrics_columns(run_->strategy->loss_names(), run_->stream->num_tasks()),
                                                   resume_step);
    });
    window_.restart(run_->costs.comm_seconds, run_->costs.input_wait_seconds);
  }

  // A row of the metrics log (all ranks: the window's means are reduced).
  // A failed write stops the log, not the training, so the ranks stay in step.
  void write_metrics_row(std::int64_t t, std::int64_t epoch, double lr, bool anytime, double input_wait_seconds) {
    MetricsRow row = window_.reduce(control_, run_->costs.comm_seconds, input_wait_seconds, loss_names_);
    if (!metrics_log_) return;
    row.step = global_step_;
    row.task = t;
    row.epoch = epoch;
    row.lr = lr;
    if (anytime) {
      row.class_il = results_.anytime.back().class_il;
      row.task_il = results_.anytime.back().task_il;
    }
    try {
      metrics_log_->write(row);
    } catch (const Error& e) {
      spdlog::warn("the metrics log stops: {}", e.what());
      metrics_log_.reset();
    }
  }

  // Rank 0 writes RUN/model/NAME/ (after an evaluation: the buffers are
  // averaged); a failure is agreed. All ranks.
  void export_model(const std::string& name) {
    if (!o_.run.export_model) return;
    run_agreed(control_, [&] {
      if (control_.rank() == 0) write_model_export(*run_->model, run_->model_options, input_meta(run_->stream->sample_format()),
                                                   o_.run.run_dir + "/model/" + name);
    });
  }

  // Writes a checkpoint at `next` (all ranks); returns its directory.
  std::string checkpoint(const Position& next) {
    const std::string where = save_checkpoint(*run_, next, results_);
    last_checkpoint_ = Clock::now();
    spdlog::debug("checkpoint {}", where);
    return where;
  }

  // Restores the checkpoint --resume names (no collectives: runs inside
  // run_agreed); "auto" with no checkpoint starts from scratch.
  Position resume() {
    const auto dir = checkpoint_to_resume(o_.checkpoint, o_.run.run_dir, control_.rank() == 0);
    if (!dir) {
      spdlog::info("--resume auto: no checkpoint in {}/checkpoints; starting from scratch", o_.run.run_dir);
      return {};
    }
    return restore_checkpoint(*run_, *dir, results_);
  }

  // Every task's accuracy now (all ranks, same order; counts summed on rank 0).
  eval::EvalCounts evaluate_all() {
    average_buffers(*run_->grad_comm, *run_->model);
    eval::EvalCounts counts = run_->evaluator->evaluate(
        *run_->model, [this](model::ModelImpl& m, const torch::Tensor& x) { return run_->strategy->predict(m, x); });
    eval::reduce_counts(control_, counts, 0);
    return counts;
  }

  void record_baseline() {
    const auto c = evaluate_all();
    results_.baseline_class_il = eval::accuracies(c.correct_class_il, c.total);
    results_.baseline_task_il = eval::accuracies(c.correct_task_il, c.total);
  }

  void record_row() {
    const auto c = evaluate_all();
    results_.class_il.push_back(eval::accuracies(c.correct_class_il, c.total));
    results_.task_il.push_back(eval::accuracies(c.correct_task_il, c.total));
    results_.confusion.push_back(c.confusion);
    results_.confusion_task_il.push_back(c.confusion_task_il);
  }

  void record_anytime(std::int64_t t) {
    const auto c = evaluate_all();
    results_.anytime.push_back({t, global_step_, eval::accuracies(c.correct_class_il, c.total),
                                eval::accuracies(c.correct_task_il, c.total)});
  }

  // Cost figures are the worst rank's.
  void record_costs(eval::TaskTiming& timing) {
    double waits[2] = {run_->costs.comm_seconds, run_->costs.input_wait_seconds};
    control_.allreduce_max(waits, 2, DType::kFloat64);
    std::int64_t rss = peak_rss_bytes();
    control_.allreduce_max(&rss, 1, DType::kInt64);
    timing.comm_seconds = waits[0];
    timing.input_wait_seconds = waits[1];
    timing.peak_rss_bytes = rss;
  }

  const TrainOptions o_;
  Communicator& control_;  // decisions and counts; see run_setup.h for which communicator carries what
  std::unique_ptr<Run> run_;
  std::unique_ptr<TaskInput> input_;
  MetricsWindow window_;                    // all ranks
  std::size_t loss_names_ = 0;              // the strategy's loss-term names (metrics columns)
  std::unique_ptr<MetricsLog> metrics_log_;  // rank 0
  eval::RunResults results_;
  SyncExtras step_extras_{"strategy '" + o_.strategy.name + "'"};
  std::int64_t global_step_ = 0;
  Clock::time_point last_checkpoint_ = Clock::now();
};

}  // namespace

eval::RunResults run_training(const TrainOptions& options, Communicator& control) {
  // Decorators of the control communicator: the watchdog (a stuck
  // collective ends the job) and, for debugging, the cross-check of every
  // collective. (The gradient communicator gets its own in set_up_run.)
  // Rank 0 locks the run directory before anything writes there (the
  // watchdog's heartbeats of a second run would clobber the first's).
  std::unique_ptr<RunDirLock> lock;
  run_agreed(control, [&] {
    if (control.rank() == 0) lock = lock_run_dir(options);
  });
  std::unique_ptr<Communicator> watched, checked;
  Communicator* comm = &control;
  if (options.comm.timeout_seconds > 0 && control.world_size() > 1) {
    // MPI_Finalize, after the watchdog has stopped, gets the same bound.
    MpiSession::set_finalize_timeout(options.comm.timeout_seconds);
    // Agreed: an unwritable run directory fails here, on every rank, cleanly.
    run_agreed(control, [&] {
      watched = make_watched_communicator(*comm, "control", heartbeat_dir(options.run.run_dir),
                                          options.comm.timeout_seconds);
    });
    comm = watched.get();
  }
  if (options.comm.debug_collectives && control.world_size() > 1) {
    checked = make_checked_communicator(*comm, "control");
    comm = checked.get();
  }
  return Trainer(options, *comm).run();
}

}  // namespace mnemo::train
