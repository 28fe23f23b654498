// Implements: a block read from the stream as CPU tensors that own its
//   memory (no copy): samples [n, ...shape] of the stream's element type
//   (uint8, float16 or float32) and int64 labels [n].
#pragma once

#include <torch/torch.h>

#include <memory>
#include <utility>
#include <vector>

#include "data/stream_reader.h"
#include "model/input.h"
#include "strategies/torch_sample_type.h"

namespace mnemo::train {

/// The stream's normalisation, on `device` (undefined: none).
inline model::InputNorm stream_input_norm(const data::SampleFormat& format, const torch::Device& device) {
  model::InputNorm norm = model::make_input_norm(format.shape, format.mean, format.std);
  if (norm.defined()) norm = {norm.mean.to(device), norm.std.to(device)};
  return norm;
}

/// `count` samples of `format`, one after the other in `bytes`, as a CPU
/// tensor that owns them (no copy).
inline torch::Tensor sample_tensor(std::vector<std::uint8_t>&& bytes, std::int64_t count,
                                   const data::SampleFormat& format) {
  auto owned = std::make_shared<std::vector<std::uint8_t>>(std::move(bytes));
  std::vector<std::int64_t> shape = {count};
  shape.insert(shape.end(), format.shape.begin(), format.shape.end());
  return torch::from_blob(owned->data(), shape, [owned](void*) {}, strategies::torch_type(format.type));
}

inline std::pair<torch::Tensor, torch::Tensor> block_tensors(data::SampleBlock&& block,
                                                             const data::SampleFormat& format) {
  auto owned = std::make_shared<data::SampleBlock>(std::move(block));
  std::vector<std::int64_t> shape = {owned->count()};
  shape.insert(shape.end(), format.shape.begin(), format.shape.end());
  torch::Tensor images =
      torch::from_blob(owned->images.data(), shape, [owned](void*) {}, strategies::torch_type(format.type));
  torch::Tensor labels = torch::from_blob(owned->labels.data(), {owned->count()}, [owned](void*) {}, torch::kInt64);
  return {images, labels};
}

}  // namespace mnemo::train
