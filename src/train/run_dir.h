// Implements: the run directory: where the watchdog's heartbeats go, and
//   its preparation at start (rank 0): lock it for the run's lifetime,
//   refuse to clobber results, clear a previous run's replay set and
//   checkpoints, write config.json.
#pragma once

#include <memory>
#include <string>

#include "train/train_options.h"

namespace mnemo::train {

/// RUN/.heartbeat: the watchdog's per-rank heartbeat files.
std::string heartbeat_dir(const std::string& run_dir);

/// An exclusive lock on RUN/.lock (flock), held until destroyed; the kernel
/// releases it when the process dies, so a crashed run never leaves it behind.
class RunDirLock {
 public:
  explicit RunDirLock(int fd) : fd_(fd) {}
  ~RunDirLock();
  RunDirLock(const RunDirLock&) = delete;
  RunDirLock& operator=(const RunDirLock&) = delete;

 private:
  int fd_;
};

/// Rank 0, first of all (before the watchdog writes its heartbeats there):
/// creates the directory and locks it; UsageError naming the other run's
/// process when one holds it.
std::unique_ptr<RunDirLock> lock_run_dir(const TrainOptions& options);

/// Rank 0, at start, holding the lock: UsageError when it already
/// holds results and neither --overwrite nor --resume was given, or when
/// --resume is given but the run is complete (without --overwrite);
/// removes a fresh run's stale replay/ and checkpoints/, and writes
/// config.json (atomically).
void prepare_run_dir(const TrainOptions& options);

}  // namespace mnemo::train
