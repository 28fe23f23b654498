// Implements: the metrics log, RUN/metrics.csv: one row every K steps of
//   each task (and at each task's last step, and at every anytime
//   evaluation), written by rank 0 and flushed row by row, so `tail -f` and
//   pandas can follow a live run.
//
//   Columns (pinned by tests/unit/metrics_schema.txt; empty cell: no value):
//     step            global optimizer steps so far (the row is after it)
//     task, epoch     where the step was (epoch: 0-based pass over the task)
//     time            Unix time (s) when the row was written
//     lr              learning rate of the row's last step
//     loss            the differentiated loss (weighted sum of the terms),
//                     mean over the window's steps
//     loss_<name>     each loss term, unweighted, mean over the window's
//                     steps that had samples for it (strategy's loss_names)
//     samples_per_s   global training samples per second over the window
//     comm_share      share of the window's time in the step's collectives
//     input_wait_share  share of the window's time waiting for input
//     (mean over ranks of both)
//     acc_class_il, acc_task_il      anytime accuracies (--eval-every):
//                     the mean over the tasks trained so far
//     class_il_task<j>, task_il_task<j>  the anytime accuracy of task j
//   The window is the steps since the previous row (or the task's start,
//   or the resume).
//
//   Resumes: the rows after the checkpoint's step are dropped (they were
//   written after it, before the job died) and the log continues, so the
//   steps are those of an uninterrupted run, none twice and none missing.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "comm/communicator.h"
#include "train/gradient_step.h"

namespace mnemo::train {

/// The rows of a task (`steps` = optimizer steps over all its epochs) are
/// at every `every`-th step; 0: about 200 rows per task.
std::int64_t metrics_interval(std::int64_t every, std::int64_t steps);

/// The columns, in order, for a strategy's loss names and a stream's task count.
std::vector<std::string> metrics_columns(const std::vector<std::string>& loss_names, std::int64_t num_tasks);

/// One row's values, in column order past the fixed ones.
struct MetricsRow {
  std::int64_t step = 0, task = 0, epoch = 0;
  double time = 0, lr = 0, loss = 0;
  std::vector<std::optional<double>> terms;  ///< per loss name
  double samples_per_s = 0, comm_share = 0, input_wait_share = 0;
  /// Anytime accuracies of every task (empty: no evaluation at this step).
  std::vector<double> class_il, task_il;
};

/// What a row averages: every rank adds its steps; reduce() is collective.
class MetricsWindow {
 public:
  /// Starts a window now, with the cumulative costs so far.
  void restart(double comm_seconds, double input_wait_seconds);
  void add_step(const StepLoss& loss, std::int64_t local_samples);
  /// (collective, all ranks) The window's global means; `comm_seconds` and
  /// `input_wait_seconds` are this rank's cumulative costs now. Restarts.
  MetricsRow reduce(Communicator& control, double comm_seconds, double input_wait_seconds, std::size_t num_terms);
  bool empty() const { return steps_ == 0; }

 private:
  double start_time_ = 0, comm_start_ = 0, wait_start_ = 0;
  std::int64_t steps_ = 0, samples_ = 0;
  double total_ = 0;
  std::array<double, strategies::kMaxLossTerms> terms_{};
  std::array<std::int64_t, strategies::kMaxLossTerms> term_steps_{};
};

/// Rank 0's writer of RUN/metrics.csv.
class MetricsLog {
 public:
  /// Creates `path` with the header; or, resuming at `resume_step` (> 0),
  /// keeps the rows up to that step and appends after them (a log of other
  /// columns is kept aside as metrics.csv.prev). StorageError naming the path.
  MetricsLog(const std::string& path, std::vector<std::string> columns, std::int64_t resume_step);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;
  /// Appends and flushes one row.
  void write(const MetricsRow& row);

 private:
  std::string path_;
  std::vector<std::string> columns_;
  std::size_t num_tasks_ = 0;
  std::FILE* file_ = nullptr;
};

}  // namespace mnemo::train
