// Implements: the mnemo subcommands' option tables (CLI11) and their entry
//   points. Every option has a long name; --help shows the defaults.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "comm/communicator.h"
#include "data/prepare.h"
#include "train/train_options.h"

namespace mnemo::cli {

struct ReportOptions {
  std::vector<std::string> runs;  ///< run directories
  std::string reference;          ///< a joint run, for intransigence
  std::string output = "report";  ///< report.json, report.txt and plots go here
  bool plots = true;
};

void add_prepare_options(CLI::App& sub, data::PrepareOptions& o);
void add_inspect_options(CLI::App& sub, std::vector<std::string>& paths);
/// Rank 0 describes each stream or replay set; the other ranks wait. All ranks.
void run_inspect(const std::vector<std::string>& paths, Communicator& control);
void add_report_options(CLI::App& sub, ReportOptions& o);
void add_train_options(CLI::App& sub, train::TrainOptions& o);

/// Prepares on rank 0; the other ranks only learn the outcome. All ranks.
void run_prepare(const data::PrepareOptions& o, Communicator& control);
/// Rank 0 prints the table and writes report files and plots. All ranks.
void run_report(const ReportOptions& o, Communicator& control);
/// Prints the resolved config (rank 0) and runs training. All ranks.
void run_train(const train::TrainOptions& o, Communicator& control);

}  // namespace mnemo::cli
