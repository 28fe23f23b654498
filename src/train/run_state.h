// Implements: the run's state, as a checkpoint holds it, and its
//   restoration. A checkpoint directory (committed by write_checkpoint, see
//   checkpoint.h for the protocol) holds:
//     meta.json  format "mnemo.checkpoint", format_version, the position to
//                continue from, the world size, the options (config) and the
//                results so far
//     model.pt   "values" (the flat parameters), "opt.NAME" (the optimizer's
//                state) and the strategy's state (rank 0 writes it; it is
//                the same on every rank)
//     replay/    the replay memory's shards, each rank its own
//   Resuming restores all of it, on any world size (replay samples keep
//   their global slots). The options that change results must equal the
//   checkpoint's, unless --force.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "eval/results_writer.h"
#include "train/checkpoint.h"
#include "train/run_setup.h"
#include "train/train_options.h"

namespace mnemo::train {

inline constexpr const char* kCheckpointFormat = "mnemo.checkpoint";
inline constexpr int kCheckpointFormatVersion = 1;

/// Writes a checkpoint of `run` at `next`, with `results` so far; returns
/// its directory. All ranks, same order.
std::string save_checkpoint(Run& run, const Position& next, const eval::RunResults& results);

/// The checkpoint directory --resume names: `auto` gives the newest complete
/// checkpoint of the run directory (nullopt when there is none).
std::optional<std::string> checkpoint_to_resume(const CheckpointOptions& checkpoint, const std::string& run_dir);

/// Reads and checks DIR/meta.json: complete (DONE), of this format and a
/// version this mnemo reads, and made with the same result-affecting
/// options as `now` (the differences are listed in the UsageError; with
/// --force they are returned in *differ instead). InputError for a damaged
/// or foreign checkpoint.
nlohmann::json read_checkpoint_meta(const std::string& dir, const TrainOptions& now,
                                    std::vector<std::string>* differ);

/// Restores `run` and `results` from checkpoint `dir`; returns where to
/// continue. No collectives (run it inside run_agreed).
Position restore_checkpoint(Run& run, const std::string& dir, eval::RunResults& results);

}  // namespace mnemo::train
