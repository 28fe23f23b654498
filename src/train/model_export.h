// Implements: the trained model, out. An export directory holds
//     model.ts        TorchScript (torch.jit.load runs it in Python with no
//                     mnemo code): forward(x) -> logits, and features(x)
//                     where the model has it; x is float [N, ...sample
//                     shape], made from the stream's values as model.json's
//                     "input" says: (value * scale - mean) / std per channel
//                     or feature (uint8 images: scale 1/255, and no mean/std
//                     unless the stream was normalised); saved in eval mode. Not
//                     written for a C++ model added outside mnemo (a warning
//                     says so): to_torchscript knows only the built-ins.
//     state_dict.pt   {name: tensor}, parameters and buffers (torch.load)
//     model.json      the model's name, input shape and "input" recipe
//                     (sample_type, shape, scale, mean, std, norm_source),
//                     classes and signature
//   The trainer writes RUN/model/task-T/ at each task's end (after the
//   evaluation, with the buffers averaged over ranks) and RUN/model/final/
//   at the run's end; `mnemo export` makes the same from a checkpoint.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "model/model.h"

namespace mnemo::train {

/// Writes the export of `model` to `dir` (created; each file atomically).
/// StorageError when it cannot be written.
/// `input` is the stream's input_meta (run_state.h).
void write_model_export(model::ModelImpl& model, const model::ModelOptions& options, const nlohmann::json& input,
                        const std::string& dir);

/// `mnemo export`: the model of checkpoint `source` (a checkpoint directory,
/// or a run directory: its newest complete checkpoint) into `output`.
/// InputError for a missing, damaged or version-1 checkpoint.
void export_checkpoint(const std::string& source, const std::string& output);

/// Loads --init FILE into `model`: a state-dict file (a mnemo export's
/// state_dict.pt, or torch.save of a plain dict), a TorchScript file, or an
/// export directory. Names in `skip` (module prefixes, e.g. "head") keep
/// their fresh values. InputError listing the differences otherwise.
void load_initial_weights(model::ModelImpl& model, const std::string& file, const std::vector<std::string>& skip);

}  // namespace mnemo::train
