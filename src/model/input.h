// Implements: the model input. Streams and replay memories hold samples as
//   stored (uint8 images, float16 or float32 features); every model takes
//   float32, made here: uint8 images become value / 255, float16 widens,
//   float32 is taken as it is; then, for a normalised stream, (x - mean) / std
//   per channel or per feature.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace mnemo::model {

/// A stream's normalisation, shaped to broadcast over a batch [N, ...]:
/// mean and std [C, 1, 1] for [C, H, W] samples, else the sample's shape.
/// Undefined tensors: no normalisation.
struct InputNorm {
  torch::Tensor mean, std;
  bool defined() const { return mean.defined(); }
};

/// The InputNorm of per-group statistics (`mean`, `std` of
/// norm_groups(sample_shape) values; empty: none).
InputNorm make_input_norm(const std::vector<std::int64_t>& sample_shape, const std::vector<double>& mean,
                          const std::vector<double>& std);

/// Converts stored samples (CPU; uint8, float16 or float32) to the float
/// model input on `device`.
torch::Tensor to_input(const torch::Tensor& samples, const torch::Device& device, const InputNorm& norm = {});

}  // namespace mnemo::model
