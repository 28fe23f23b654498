// Implements: to_input (see input.h).
#include "model/input.h"

#include <array>
#include <cstdint>

namespace mnemo::model {

torch::Tensor to_input(const torch::Tensor& images_u8, const torch::Device& device) {
  if (!device.is_cpu() || !images_u8.device().is_cpu() || !images_u8.is_contiguous()) {
    return images_u8.to(device).to(torch::kFloat32).div_(255.0);
  }
  // One pass through a table of the 256 quotients: the same values as the
  // division, without three operators and a temporary per batch.
  static const std::array<float, 256> quotient = [] {
    std::array<float, 256> q{};
    for (int v = 0; v < 256; ++v) q[v] = static_cast<float>(v) / 255.0f;
    return q;
  }();
  torch::Tensor x = torch::empty(images_u8.sizes(), torch::kFloat32);
  const std::uint8_t* src = images_u8.data_ptr<std::uint8_t>();
  float* dst = x.data_ptr<float>();
  for (std::int64_t i = 0, n = images_u8.numel(); i < n; ++i) dst[i] = quotient[src[i]];
  return x;
}

}  // namespace mnemo::model
