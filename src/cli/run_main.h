// Implements: the entry point of the mnemo command, as a library function.
//   A program of one's own registers its strategies and models first
//   (mnemo::strategies::register_strategy, mnemo::model::register_model),
//   then returns run_main(argc, argv): it gets every subcommand, option,
//   error policy and output of `mnemo`, with its additions selectable by name.
#pragma once

#include <string>
#include <vector>

namespace mnemo::cli {

/// Runs `mnemo SUBCOMMAND ...`; returns the process exit code.
int run_main(int argc, char** argv);

/// The JSON keys of `mnemo train`'s result-neutral options, every
/// registered strategy's and model's included.
std::vector<std::string> train_result_neutral_keys();

}  // namespace mnemo::cli
