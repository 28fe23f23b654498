// Implements: `mnemo report`: several runs side by side. Runs are grouped
//   by (dataset, task count, strategy, every other result-affecting option);
//   each group is one row with the mean and sample standard deviation over
//   its runs (seeds) of every metric, and the per-class report of their
//   summed final confusion counts.
//   Runs with different task counts land in different rows, so a table
//   over mixed streams stays meaningful.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/class_report.h"
#include "eval/metrics.h"

namespace mnemo::eval {

/// One run directory's results.json, reduced to what a report needs.
struct RunSummary {
  std::string dir;
  nlohmann::json config;  ///< the run's resolved options
  std::string strategy;
  std::string dataset;
  std::int64_t tasks = 0;
  std::uint64_t seed = 0;
  bool complete = false;
  Matrix class_il, task_il;
  std::vector<double> baseline_class_il, baseline_task_il;
  std::int64_t num_classes = 0;
  /// The confusion counts after the last task, [true][predicted] row-major
  /// (task-IL: empty in schema-1 files, which lack it).
  std::vector<std::int64_t> final_confusion, final_confusion_task_il;
};

/// Reads DIR/results.json; InputError naming the file and field when it is
/// missing, unreadable or of another schema.
RunSummary load_run(const std::string& dir);

struct Stat {
  double mean = 0, std = 0;  ///< std: sample standard deviation (0 for one run)
};

struct ReportRow {
  std::string dataset, strategy;
  /// The strategy, then the options whose values differ between the rows of
  /// the same dataset and task count ("er replay_capacity=500 lr=0.1").
  std::string label;
  std::vector<std::uint64_t> seeds;  ///< of the runs, in dirs' order
  /// Options whose values differ inside the row (only with merge_settings).
  std::vector<std::string> mixed;
  std::int64_t tasks = 0;
  std::vector<std::string> dirs;
  Stat acc, bwt, fwt, forgetting, avg_incremental_acc, task_il_acc, intransigence;
  bool has_intransigence = false;
  Matrix mean_class_il;  ///< element-wise mean over the group's runs
  Matrix std_class_il;   ///< element-wise sample std over the group's runs (0 for one run)
  /// Per-class reports of the final confusion counts summed over the
  /// group's runs (task-IL: absent when a run lacks its counts).
  std::optional<ClassReport> class_report, class_report_task_il;
};

/// How runs are grouped into rows.
struct Grouping {
  /// Config keys that never separate runs: the seed, where the stream and
  /// results live, and the result-neutral options (threads, logging, ...).
  std::vector<std::string> ignored;
  /// false: one row per dataset, task count and every other config value,
  /// so runs of different settings are never averaged. true: one row per
  /// dataset, task count and strategy, whatever else differs (each such
  /// row lists the differing options in `mixed`).
  bool merge_settings = false;
};

/// Groups and aggregates; `reference` (a joint run) adds intransigence to
/// rows with the reference's dataset and task count.
std::vector<ReportRow> build_report(const std::vector<RunSummary>& runs, const std::optional<RunSummary>& reference,
                                    const Grouping& grouping);

/// The aligned console table (percent, mean ± std).
std::string format_report(const std::vector<ReportRow>& rows);
/// Each row's final per-class reports, in scikit-learn's layout.
std::string format_class_reports(const std::vector<ReportRow>& rows);
nlohmann::json report_json(const std::vector<ReportRow>& rows);

}  // namespace mnemo::eval
