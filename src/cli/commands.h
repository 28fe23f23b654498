// Implements: the light subcommands' option tables (CLI11) and entry points:
//   prepare, inspect, report (no LibTorch; train and export are run_main's).
//   Every option has a long name; --help shows the defaults.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "comm/communicator.h"
#include "core/options.h"
#include "data/prepare/prepare.h"

namespace mnemo::cli {

struct ReportOptions {
  std::vector<std::string> runs;  ///< run directories (positional)
  std::string reference;          ///< a joint run, for intransigence
  std::string output = "report";  ///< report.json, report.txt and plots go here
  bool plots = true;
  bool merge_settings = false;  ///< average runs of different settings per strategy (warns)
  void declare(OptionTable& table);  ///< --reference, --output, --plots/--no-plots, --merge-settings
};

void add_inspect_options(CLI::App& sub, std::vector<std::string>& paths);
/// Rank 0 describes each stream or replay set; the other ranks wait. All ranks.
void run_inspect(const std::vector<std::string>& paths, Communicator& control);
/// The run directories, then `o`'s declared options (declared into `table`,
/// which must outlive the parse).
void add_report_options(CLI::App& sub, ReportOptions& o, OptionTable& table);

/// Prepares on rank 0; the other ranks only learn the outcome. All ranks.
void run_prepare(const data::PrepareOptions& o, Communicator& control);
/// Rank 0 prints the table and writes report files and plots; runs are
/// never grouped by `result_neutral` option keys (nor by seed or stream).
/// All ranks.
void run_report(const ReportOptions& o, const std::vector<std::string>& result_neutral, Communicator& control);

}  // namespace mnemo::cli
