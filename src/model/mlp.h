// Implements: the multilayer perceptron of the DER/GEM papers' MNIST
//   experiments (default 784-100-100-classes, ReLU).
#pragma once

#include "model/model.h"

namespace mnemo::model {

class MlpImpl : public ModelImpl {
 public:
  /// `fused`: train through fused_mlp_forward where it applies (CPU float32).
  MlpImpl(std::int64_t in_features, const std::vector<std::int64_t>& hidden, std::int64_t num_classes,
          bool fused = true);
  torch::Tensor forward(torch::Tensor x) override;
  torch::Tensor features(torch::Tensor x) override;  ///< the last hidden layer's activations
  bool has_features() const override { return true; }
  /// Built without its last layer (num_classes 0): forward() is features().
  bool headless() const { return layers_->size() % 2 == 0; }

 private:
  torch::nn::Sequential layers_{nullptr};
  std::vector<torch::Tensor> params_;  // (weight, bias) per layer, as fused_mlp_forward takes them
  bool fused_;
};

/// The layer widths --hidden gives a model of options' input shape and
/// classes: {input features, hidden..., classes}; UsageError for a width below 1.
std::vector<std::int64_t> mlp_widths(const ModelOptions& options);
/// Factory for the registry: input size from options.input_shape.
Model make_mlp(const ModelOptions& options);

}  // namespace mnemo::model
