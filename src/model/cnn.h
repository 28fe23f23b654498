// Implements: a small CNN for image streams: two 3x3 conv + ReLU + 2x2
//   max-pool stages (32, 64 channels), then a 128-unit hidden layer.
#pragma once

#include "model/model.h"

namespace mnemo::model {

class SmallCnnImpl : public ModelImpl {
 public:
  SmallCnnImpl(const std::vector<std::int64_t>& input_shape, std::int64_t num_classes);
  torch::Tensor forward(torch::Tensor x) override;
  torch::Tensor features(torch::Tensor x) override;
  bool has_features() const override { return true; }
  /// Built without its head (num_classes 0): forward() is features().
  bool headless() const { return head_.is_empty(); }

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::Linear fc_{nullptr}, head_{nullptr};
};

Model make_small_cnn(const ModelOptions& options);

}  // namespace mnemo::model
