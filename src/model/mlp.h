// Implements: the multilayer perceptron of the DER/GEM papers' MNIST
//   experiments (default 784-100-100-classes, ReLU).
#pragma once

#include "model/model.h"

namespace mnemo::model {

class MlpImpl : public ModelImpl {
 public:
  MlpImpl(std::int64_t in_features, const std::vector<std::int64_t>& hidden, std::int64_t num_classes);
  torch::Tensor forward(torch::Tensor x) override;
  torch::Tensor features(torch::Tensor x) override;  ///< the last hidden layer's activations

 private:
  torch::nn::Sequential layers_{nullptr};
};

/// Factory for the registry: input size from options.input_shape.
Model make_mlp(const ModelOptions& options);

}  // namespace mnemo::model
