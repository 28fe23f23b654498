// Implements: `mnemo report`: several runs side by side. Runs are grouped
//   by (dataset, task count, strategy); each group is one row with the mean
//   and sample standard deviation over its runs (seeds) of every metric.
//   Runs with different task counts land in different rows, so a table
//   over mixed streams stays meaningful.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/metrics.h"

namespace mnemo::eval {

/// One run directory's results.json, reduced to what a report needs.
struct RunSummary {
  std::string dir;
  std::string strategy;
  std::string dataset;
  std::int64_t tasks = 0;
  std::uint64_t seed = 0;
  bool complete = false;
  Matrix class_il, task_il;
  std::vector<double> baseline_class_il, baseline_task_il;
};

/// Reads DIR/results.json; InputError naming the file and field when it is
/// missing, unreadable or of another schema.
RunSummary load_run(const std::string& dir);

struct Stat {
  double mean = 0, std = 0;  ///< std: sample standard deviation (0 for one run)
};

struct ReportRow {
  std::string dataset, strategy;
  std::int64_t tasks = 0;
  std::vector<std::string> dirs;
  Stat acc, bwt, fwt, forgetting, avg_incremental_acc, task_il_acc, intransigence;
  bool has_intransigence = false;
  Matrix mean_class_il;  ///< element-wise mean over the group's runs
};

/// Groups and aggregates; `reference` (a joint run) adds intransigence to
/// rows with the reference's dataset and task count.
std::vector<ReportRow> build_report(const std::vector<RunSummary>& runs, const std::optional<RunSummary>& reference);

/// The aligned console table (percent, mean ± std).
std::string format_report(const std::vector<ReportRow>& rows);
nlohmann::json report_json(const std::vector<ReportRow>& rows);

}  // namespace mnemo::eval
