// Implements: to_input (see input.h).
#include "model/input.h"

#include <array>
#include <cstdint>

namespace mnemo::model {

namespace {

torch::Tensor to_float(const torch::Tensor& samples, const torch::Device& device) {
  if (samples.scalar_type() != torch::kUInt8) return samples.to(device).to(torch::kFloat32);
  if (!device.is_cpu() || !samples.device().is_cpu() || !samples.is_contiguous()) {
    return samples.to(device).to(torch::kFloat32).div_(255.0);
  }
  // One pass through a table of the 256 quotients: the same values as the
  // division, without three operators and a temporary per batch.
  static const std::array<float, 256> quotient = [] {
    std::array<float, 256> q{};
    for (int v = 0; v < 256; ++v) q[v] = static_cast<float>(v) / 255.0f;
    return q;
  }();
  torch::Tensor x = torch::empty(samples.sizes(), torch::kFloat32);
  const std::uint8_t* src = samples.data_ptr<std::uint8_t>();
  float* dst = x.data_ptr<float>();
  for (std::int64_t i = 0, n = samples.numel(); i < n; ++i) dst[i] = quotient[src[i]];
  return x;
}

}  // namespace

InputNorm make_input_norm(const std::vector<std::int64_t>& sample_shape, const std::vector<double>& mean,
                          const std::vector<double>& std) {
  if (mean.empty()) return {};
  std::vector<std::int64_t> shape = sample_shape;
  if (shape.size() == 3) shape = {shape[0], 1, 1};
  const auto as_tensor = [&](const std::vector<double>& v) {
    return torch::tensor(v, torch::kFloat64).to(torch::kFloat32).reshape(shape);
  };
  return {as_tensor(mean), as_tensor(std)};
}

torch::Tensor to_input(const torch::Tensor& samples, const torch::Device& device, const InputNorm& norm) {
  torch::Tensor x = to_float(samples, device);
  if (!norm.defined()) return x;
  const torch::Tensor mean = norm.mean.device() == x.device() ? norm.mean : norm.mean.to(x.device());
  const torch::Tensor std = norm.std.device() == x.device() ? norm.std : norm.std.to(x.device());
  // float32 samples on `device` come back as the same tensor: never normalise
  // them in place (they are the stream's cached rows or the replay memory).
  if (x.is_same(samples) || x.data_ptr() == samples.data_ptr()) return x.sub(mean).div_(std);
  return x.sub_(mean).div_(std);
}

}  // namespace mnemo::model
