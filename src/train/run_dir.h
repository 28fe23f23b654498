// Implements: the run directory: where the watchdog's heartbeats go, and
//   its preparation at start (rank 0): refuse to clobber results, clear a
//   previous run's replay set and checkpoints, write config.json.
#pragma once

#include <string>

#include "train/train_options.h"

namespace mnemo::train {

/// RUN/.heartbeat: the watchdog's per-rank heartbeat files.
std::string heartbeat_dir(const std::string& run_dir);

/// Rank 0, at start: UsageError when the directory already holds results
/// and neither --overwrite nor --resume was given; otherwise creates it,
/// removes a fresh run's stale replay/ and checkpoints/, and writes
/// config.json (atomically).
void prepare_run_dir(const TrainOptions& options);

}  // namespace mnemo::train
