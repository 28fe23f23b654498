// Implements: the run's state, as a checkpoint holds it, and its
//   restoration. A checkpoint directory (committed by write_checkpoint, see
//   checkpoint.h for the protocol) holds:
//     meta.json  format "mnemo.checkpoint", format_version, the position to
//                continue from, the world size, the options (config), the
//                results so far, and the model: input shape, classes and
//                signature (each tensor's name, shape and dtype)
//     model.pt   "model.NAME": the parameters and the buffers averaged
//                over ranks (the model evaluation sees), by name;
//                "opt.NAME" (the optimizer's state) and the strategy's
//                state (rank 0 writes it; it is the same on every rank)
//     buffers/rank-R.pt  rank R's own buffers (BatchNorm running statistics
//                differ per rank between evaluations), for models with buffers
//     replay/    the replay memory's shards, each rank its own
//   Resuming restores all of it, on any world size (replay samples keep
//   their global slots; on the same world size each rank takes back its own
//   buffers, on another the averaged ones). The model's signature must match
//   the checkpoint's; the options that change results must equal the
//   checkpoint's, unless --force. Version 1 (a flat "values" tensor, no
//   buffers) still reads.
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
inline constexpr int kCheckpointFormatVersion = 2;

/// Writes a checkpoint of `run` at `next`, with `results` so far; returns
/// its directory. All ranks, same order (it averages the buffers over grad_comm).
std::string save_checkpoint(Run& run, const Position& next, const eval::RunResults& results);

/// The checkpoint directory --resume names: `auto` gives the newest complete
/// checkpoint of the run directory (nullopt when there is none).
/// `report`: log the damaged checkpoints skipped (one rank does).
std::optional<std::string> checkpoint_to_resume(const CheckpointOptions& checkpoint, const std::string& run_dir,
                                                bool report);

/// Reads and checks DIR/meta.json: complete (DONE), of this format and a
/// version this mnemo reads, and made with the same result-affecting
/// options as `now` (the differences are listed in the UsageError; with
/// --force they are returned in *differ instead). InputError for a damaged
/// or foreign checkpoint.
nlohmann::json read_checkpoint_meta(const std::string& dir, const TrainOptions& now,
                                    std::vector<std::string>* differ);

/// What a model's input is made from: the stream's sample type and shape,
/// and x = (value * scale - mean) / std per normalisation group (scale 1/255
/// for uint8, else 1; mean/std empty when the stream is not normalised).
nlohmann::json input_meta(const data::SampleFormat& format);

/// meta.json's "model": input_shape, num_classes, signature of `model`, and
/// "input" (input_meta of the stream it was trained on).
nlohmann::json model_meta(model::ModelImpl& model, const model::ModelOptions& options, const nlohmann::json& input);

/// Restores `run` and `results` from checkpoint `dir`; returns where to
/// continue. No collectives (run it inside run_agreed).
Position restore_checkpoint(Run& run, const std::string& dir, eval::RunResults& results);

}  // namespace mnemo::train
