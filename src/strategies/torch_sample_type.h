// Implements: the torch element type of a stream's samples, for the tensors
//   that hold them as stored (batches, replay memories).
#pragma once

#include <torch/torch.h>

#include "data/sample_format.h"

namespace mnemo::strategies {

inline torch::ScalarType torch_type(data::SampleType type) {
  switch (type) {
    case data::SampleType::kUInt8: return torch::kUInt8;
    case data::SampleType::kFloat16: return torch::kFloat16;
    case data::SampleType::kFloat32: return torch::kFloat32;
  }
  return torch::kUInt8;
}

}  // namespace mnemo::strategies
