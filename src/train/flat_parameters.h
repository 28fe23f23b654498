// Implements: a model's parameters and gradients moved into two flat
//   buffers, with every parameter (and its .grad) a view into them.
//   Rationale: the gradient all-reduce is then one collective over one
//   contiguous buffer with no packing copies, and the optimizer update is
//   one fused operation. Autograd accumulates into an existing .grad in
//   place, so the views survive backward; bind_grads() re-checks that.
//   Frozen parameters (requires_grad false: earlier columns of a growing
//   network) stay out of the buffers, so they are neither all-reduced nor
//   updated; a network that grows gets new FlatParameters.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mnemo::train {

class FlatParameters {
 public:
  /// Moves `module`'s trainable parameters into flat buffers on their current device.
  explicit FlatParameters(torch::nn::Module& module);

  torch::Tensor& values() { return values_; }
  torch::Tensor& grads() { return grads_; }
  std::int64_t numel() const { return values_.numel(); }
  /// Elements of the frozen parameters left out of the buffers.
  std::int64_t frozen_numel() const { return frozen_numel_; }
  void zero_grad() { grads_.zero_(); }
  /// Restores the .grad views if autograd replaced any (cheap pointer
  /// checks); returns true when it had to.
  bool bind_grads();
  /// FNV-1a hash of every parameter's name, shape, dtype and frozen flag: equal models, equal hashes.
  std::uint64_t signature() const { return signature_; }

  /// The parameters, in flat-buffer order, and each one's offset in it.
  const std::vector<torch::Tensor>& parameters() const { return params_; }
  const std::vector<std::int64_t>& offsets() const { return offsets_; }

 private:
  std::vector<torch::Tensor> params_, grad_views_;
  std::vector<std::int64_t> offsets_;
  torch::Tensor values_, grads_;
  std::uint64_t signature_ = 0;
  std::int64_t frozen_numel_ = 0;
};

/// FNV-1a hash of the bytes of every parameter of `module`, frozen ones
/// too, in order (for determinism checks; for a model without frozen
/// parameters, the hash of its flat value buffer).
std::uint64_t parameter_fingerprint(const torch::nn::Module& module);

}  // namespace mnemo::train
