// Implements: checkpoints of a run, and finding the newest one.
//
//   Commit protocol (all ranks, same order):
//     1. rank 0 creates RUN/checkpoints/.tmp-ckpt-...; barrier;
//     2. every rank writes its files into it (rank 0: meta.json and
//        model.pt; rank r: rank-r.pt and its replay shard) and fsyncs them;
//     3. barrier;
//     4. rank 0 writes SHA256SUMS (every file's SHA-256), then DONE,
//        fsyncs the directory and renames it to
//        ckpt-TTTTT-SSSSSSSSS (task, global step), then deletes all but the
//        newest `keep` complete checkpoints; barrier.
//   A directory without DONE, or still named .tmp-*, is never resumed from,
//   so a crash at any point leaves the last good checkpoint intact; one
//   whose files no longer match their SHA-256 (damaged after it was
//   written) is skipped by --resume auto, with a warning, for the previous
//   one, and refused by name when given explicitly.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "comm/communicator.h"
#include "core/options.h"

namespace mnemo::train {

struct CheckpointOptions {
  std::int64_t every = 0;  ///< also checkpoint every K steps (0: task ends only)
  double minutes = 0;      ///< also checkpoint every M minutes (0: off)
  int keep = 2;            ///< complete checkpoints kept
  std::string resume;      ///< "" | auto | a checkpoint directory
  bool force = false;      ///< resume even if result-affecting options differ
  /// --checkpoint-every, --checkpoint-minutes, --checkpoint-keep, --resume, --force.
  void declare(OptionTable& table);
};

/// Where training resumes: the next step to run.
struct Position {
  std::int64_t task = 0, epoch = 0, step = 0;
  std::int64_t global_step = 0;  ///< optimizer steps since the run's start
  /// The last task training has begun at this position (-1: none): the
  /// task a growing network had grown to when the checkpoint was taken.
  std::int64_t last_begun_task() const { return epoch > 0 || step > 0 ? task : task - 1; }
};

struct CheckpointWriters {
  std::function<void(const std::string& dir)> rank0;     ///< meta.json, model.pt
  std::function<void(const std::string& dir)> every_rank;  ///< rank-r.pt, replay shard
};

/// Writes a checkpoint with the protocol above. All ranks, same order.
/// Returns its final directory. A directory that cannot be created, synced
/// or renamed is a StorageError naming it.
std::string write_checkpoint(const std::string& run_dir, const Position& at, int keep, Communicator& control,
                             const CheckpointWriters& writers);

/// The newest complete checkpoint under RUN/checkpoints whose files match
/// their checksums, if any; a damaged newer one is skipped with a warning
/// (when `report`). InputError naming the damaged file when every complete
/// checkpoint is damaged.
std::optional<std::string> latest_checkpoint(const std::string& run_dir, bool report = true);

/// InputError naming the first file of checkpoint `dir` that does not match
/// its SHA-256 (or is missing). A checkpoint without SHA256SUMS (written
/// before they were) passes.
void verify_checkpoint_files(const std::string& dir);

}  // namespace mnemo::train
