// Implements: the mnemo subcommands' option tables (CLI11) and their entry
//   points. Every option has a long name; --help shows the defaults.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "comm/communicator.h"
#include "core/options.h"
#include "data/prepare/prepare.h"
#include "train/train_options.h"

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
/// Rank 0 prints the table and writes report files and plots. All ranks.
void run_report(const ReportOptions& o, Communicator& control);
/// Rank 0 exports a checkpoint's model (see train/model_export.h). All ranks.
void run_export(const std::string& source, const std::string& output, Communicator& control);
/// Prints the resolved config (rank 0) and runs training. All ranks.
void run_train(const train::TrainOptions& o, Communicator& control);

}  // namespace mnemo::cli
