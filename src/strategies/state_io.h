// Implements: checkpoint helpers for strategy state: optional tensors and
//   frozen models (teachers) in a LibTorch archive.
#pragma once

#include <torch/torch.h>

#include <string>

#include "model/model.h"

namespace mnemo::strategies {

/// Undefined tensors are skipped on save and stay undefined on load.
void save_tensor(torch::serialize::OutputArchive& archive, const std::string& key, const torch::Tensor& t);
void load_tensor(torch::serialize::InputArchive& archive, const std::string& key, torch::Tensor& t,
                 const torch::Device& device);

/// A frozen model (a teacher) in a checkpoint: its parameters and buffers
/// by name under "KEY.NAME"; load_model_values fills a clone of the model
/// (and still reads version 1's one flattened tensor under KEY).
void save_model_values(torch::serialize::OutputArchive& archive, const std::string& key, model::ModelImpl& model);
/// Returns false (and leaves `model` as it is) when `key` is absent.
bool load_model_values(torch::serialize::InputArchive& archive, const std::string& key, model::ModelImpl& model,
                       const torch::Device& device);

}  // namespace mnemo::strategies
