// Implements: the run's result files and console tables (rank 0 only).
//   results.json (schema "mnemo.results", version 5; see README "Output files"):
//     schema, schema_version, complete, model_fingerprint, config, stream,
//     machine{blas_library, blas_kernels, blas_detected, blas_reason}, num_classes,
//     tasks[{classes, train_samples, seconds, samples_per_second,
//            eval_seconds, comm_seconds, comm_share, peak_rss_bytes,
//            parameters, trainable_parameters, gradient_bytes_per_step}],
//     baseline{class_il, task_il}, accuracy{class_il, task_il} (row i:
//     after task i), confusion[task][true][predicted] (class-IL),
//     confusion_task_il[task][true][predicted], class_report{class_il,
//     task_il}[task] (see class_report.h), metrics{class_il, task_il},
//     anytime[{task, step, class_il, task_il}]
//   accuracy_matrix.csv: the class-IL matrix, one row per trained task.
//   class_report.csv: the per-class reports of every row, both modes.
//   results.h5: the same matrices as datasets, the JSON as an attribute.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/metrics.h"

namespace mnemo::eval {

/// 2: adds confusion_task_il and class_report (version 1 files still read).
/// 4: adds tasks[].parameters, trainable_parameters, gradient_bytes_per_step.
inline constexpr std::int64_t kResultsSchemaVersion = 5;

/// Cost of one task: wall time of training (evaluation excluded), the
/// largest per-rank time spent in collectives, and the largest per-rank
/// peak RSS so far.
struct TaskTiming {
  std::vector<std::int64_t> classes;
  std::int64_t train_samples = 0;   ///< global stream samples trained on
  double seconds = 0;               ///< training wall time, s
  double eval_seconds = 0;          ///< evaluation after the task, s
  double comm_seconds = 0;          ///< max over ranks of time in collectives, s
  double input_wait_seconds = 0;    ///< max over ranks of time waiting for input batches, s
  std::int64_t peak_rss_bytes = 0;  ///< max over ranks, bytes
  std::int64_t parameters = 0;            ///< the model's, while it trained the task (it may grow)
  std::int64_t trainable_parameters = 0;  ///< of which trained (the rest frozen): the gradient's elements
  std::int64_t gradient_bytes_per_step = 0;  ///< what each step all-reduces (--wire-dtype)
  /// Bytes of training samples and labels each rank read from the stream
  /// for this task, in rank order (empty in results of schema version 4 and before).
  std::vector<std::int64_t> input_bytes;
};

/// An anytime evaluation: accuracy on every task after `step` steps.
struct AnytimePoint {
  std::int64_t task = 0;  ///< the task being trained
  std::int64_t step = 0;  ///< optimizer steps since the start of the run
  std::vector<double> class_il, task_il;
};

struct RunResults {
  nlohmann::json config;
  nlohmann::json stream;
  std::int64_t num_classes = 0;
  std::vector<TaskTiming> tasks;
  std::vector<double> baseline_class_il, baseline_task_il;
  Matrix class_il, task_il;
  /// Class-IL confusion matrix after each task: [task][true * C + predicted].
  std::vector<std::vector<std::int64_t>> confusion;
  /// Task-IL confusion matrix after each task (each sample predicted among
  /// its task's classes); empty in results of mnemo before it was recorded.
  std::vector<std::vector<std::int64_t>> confusion_task_il;
  /// Anytime evaluations (--eval-every), in step order.
  std::vector<AnytimePoint> anytime;
  /// Whether every task of the stream was trained.
  bool complete = false;
  /// Where it ran: {blas_library, blas_kernels, blas_detected, blas_reason}
  /// (rank 0's; see core/blas_kernels.h).
  nlohmann::json machine = nlohmann::json::object();
  /// FNV-1a of the final parameters' bytes (hex): equal runs, equal value.
  std::string model_fingerprint;
};

nlohmann::json metrics_json(const Metrics& m);
nlohmann::json results_json(const RunResults& r);
/// The inverse of results_json (for resuming a run from a checkpoint).
RunResults results_from_json(const nlohmann::json& j);
std::string matrix_csv(const Matrix& m);

/// The per-class reports of every row, both modes, as CSV (with its header).
std::string class_report_csv(const RunResults& r);

/// Writes results.json, accuracy_matrix.csv, class_report.csv and results.h5 into `run_dir`, atomically.
void write_results(const std::string& run_dir, const RunResults& r);

/// An aligned text table: rows "after task i", columns "task j", in percent.
std::string format_matrix(const Matrix& m, const std::string& title);
std::string format_metrics(const Metrics& m, const std::string& title);

}  // namespace mnemo::eval
