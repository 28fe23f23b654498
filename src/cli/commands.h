// Implements: the mnemo subcommands' option tables (CLI11) and their entry
//   points. Every option has a long name; --help shows the defaults.
#pragma once

#include <CLI/CLI.hpp>

#include "comm/communicator.h"
#include "data/prepare.h"
#include "train/train_options.h"

namespace mnemo::cli {

void add_prepare_options(CLI::App& sub, data::PrepareOptions& o);
void add_train_options(CLI::App& sub, train::TrainOptions& o);

/// Prepares on rank 0; the other ranks only learn the outcome. All ranks.
void run_prepare(const data::PrepareOptions& o, Communicator& control);
/// Prints the resolved config (rank 0) and runs training. All ranks.
void run_train(const train::TrainOptions& o, Communicator& control);

}  // namespace mnemo::cli
