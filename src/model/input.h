// Implements: the model input. Streams and replay memories hold uint8
//   images; every model takes float [N, C, H, W] in [0, 1], made here.
#pragma once

#include <torch/torch.h>

namespace mnemo::model {

/// Converts uint8 images (CPU) to the float model input on `device`.
torch::Tensor to_input(const torch::Tensor& images_u8, const torch::Device& device);

}  // namespace mnemo::model
