// Implements: the reduced ResNet-18 of the GEM and DER papers (Lopez-Paz &
//   Ranzato 2017; Buzzega et al. 2020): BasicBlocks [2, 2, 2, 2] with
//   nf, 2nf, 4nf, 8nf channels (nf = 20, vs 64 in ResNet-18), a 3x3 stem
//   with stride 1 and no max-pool (for 32x32 inputs), global average
//   pooling and a linear head. BatchNorm buffers are averaged over ranks
//   before each evaluation (see train/).
#pragma once

#include "model/model.h"

namespace mnemo::model {

class BasicBlockImpl : public torch::nn::Module {
 public:
  BasicBlockImpl(std::int64_t in, std::int64_t planes, std::int64_t stride);
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  torch::nn::Sequential shortcut_{nullptr};
};
TORCH_MODULE(BasicBlock);

class ReducedResNet18Impl : public ModelImpl {
 public:
  ReducedResNet18Impl(std::int64_t in_channels, std::int64_t num_classes, std::int64_t nf = 20);
  torch::Tensor forward(torch::Tensor x) override;
  torch::Tensor features(torch::Tensor x) override;  ///< the pooled 8nf-channel activations
  bool has_features() const override { return true; }
  /// Built without its head (num_classes 0): forward() is features().
  bool headless() const { return head_.is_empty(); }

 private:
  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr};
  torch::nn::Sequential layers_{nullptr};
  torch::nn::Linear head_{nullptr};
};

Model make_reduced_resnet18(const ModelOptions& options);

}  // namespace mnemo::model
