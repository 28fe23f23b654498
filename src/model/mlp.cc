// Implements: MlpImpl and its factory (registered as "mlp" in registry.cc).
#include "model/mlp.h"

#include "core/error.h"

namespace mnemo::model {

MlpImpl::MlpImpl(std::int64_t in_features, const std::vector<std::int64_t>& hidden, std::int64_t num_classes) {
  torch::nn::Sequential seq;
  std::int64_t width = in_features;
  for (auto h : hidden) {
    seq->push_back(torch::nn::Linear(width, h));
    seq->push_back(torch::nn::ReLU());
    width = h;
  }
  seq->push_back(torch::nn::Linear(width, num_classes));
  layers_ = register_module("layers", seq);
}

torch::Tensor MlpImpl::forward(torch::Tensor x) { return layers_->forward(x.flatten(/*start_dim=*/1)); }

torch::Tensor MlpImpl::features(torch::Tensor x) {
  x = x.flatten(/*start_dim=*/1);
  auto layer = layers_->begin();
  for (std::size_t i = 0; i + 1 < layers_->size(); ++i, ++layer) x = layer->forward(x);
  return x;
}

Model make_mlp(const ModelOptions& o) {
  std::int64_t in = 1;
  for (auto d : o.input_shape) in *= d;
  for (auto h : o.hidden) {
    if (h < 1) throw UsageError("--hidden widths must be at least 1");
  }
  return std::make_shared<MlpImpl>(in, o.hidden, o.num_classes);
}

}  // namespace mnemo::model
