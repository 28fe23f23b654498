// Implements: declared options (core/options.h) on the command line: each
//   OptionSpec becomes a CLI11 option with its long name, help, help
//   section, true default and allowed values; YAML configs reach the same
//   options through CLI11's config reader (yaml_config.h).
#pragma once

#include <CLI/CLI.hpp>

#include "core/options.h"

namespace mnemo::cli {

/// Adds every option of `table` to `command`. The table's fields must
/// outlive the parse.
void add_options(CLI::App& command, const OptionTable& table);

}  // namespace mnemo::cli
