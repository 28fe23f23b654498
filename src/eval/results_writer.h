// Implements: the run's result files and console tables (rank 0 only).
//   results.json (schema "mnemo.results", version 1):
//     schema, schema_version, config, stream, tasks[{classes, train_samples,
//     seconds, samples_per_second}], baseline{class_il, task_il},
//     accuracy{class_il, task_il} (row i: after task i), metrics{class_il, task_il}
//   accuracy_matrix.csv: the class-IL matrix, one row per trained task.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/metrics.h"

namespace mnemo::eval {

inline constexpr std::int64_t kResultsSchemaVersion = 1;

struct TaskTiming {
  std::vector<std::int64_t> classes;
  std::int64_t train_samples = 0;  ///< global samples seen in training (stream only)
  double seconds = 0;
};

struct RunResults {
  nlohmann::json config;
  nlohmann::json stream;
  std::vector<TaskTiming> tasks;
  std::vector<double> baseline_class_il, baseline_task_il;
  Matrix class_il, task_il;
};

nlohmann::json metrics_json(const Metrics& m);
nlohmann::json results_json(const RunResults& r);
std::string matrix_csv(const Matrix& m);

/// Writes results.json and accuracy_matrix.csv into `run_dir`, atomically.
void write_results(const std::string& run_dir, const RunResults& r);

/// An aligned text table: rows "after task i", columns "task j", in percent.
std::string format_matrix(const Matrix& m, const std::string& title);
std::string format_metrics(const Metrics& m, const std::string& title);

}  // namespace mnemo::eval
