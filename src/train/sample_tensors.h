// Implements: a block read from the stream as CPU tensors that own its
//   memory (no copy): uint8 images [n, C, H, W] and int64 labels [n].
#pragma once

#include <torch/torch.h>

#include <memory>
#include <utility>
#include <vector>

#include "data/stream_reader.h"

namespace mnemo::train {

inline std::pair<torch::Tensor, torch::Tensor> block_tensors(data::SampleBlock&& block,
                                                             const std::vector<std::int64_t>& chw) {
  auto owned = std::make_shared<data::SampleBlock>(std::move(block));
  std::vector<std::int64_t> shape = {owned->count()};
  shape.insert(shape.end(), chw.begin(), chw.end());
  torch::Tensor images = torch::from_blob(owned->images.data(), shape, [owned](void*) {}, torch::kUInt8);
  torch::Tensor labels = torch::from_blob(owned->labels.data(), {owned->count()}, [owned](void*) {}, torch::kInt64);
  return {images, labels};
}

}  // namespace mnemo::train
