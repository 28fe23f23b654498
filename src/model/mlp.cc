// Implements: MlpImpl and its factory (registered as "mlp" in registry.cc).
#include "model/mlp.h"

#include "core/error.h"
#include "model/fused_mlp.h"

namespace mnemo::model {

MlpImpl::MlpImpl(std::int64_t in_features, const std::vector<std::int64_t>& hidden, std::int64_t num_classes,
                 bool fused)
    : fused_(fused) {
  torch::nn::Sequential seq;
  std::int64_t width = in_features;
  for (auto h : hidden) {
    seq->push_back(torch::nn::Linear(width, h));
    seq->push_back(torch::nn::ReLU());
    width = h;
  }
  if (num_classes > 0) seq->push_back(torch::nn::Linear(width, num_classes));  // 0: headless (a growing head's body)
  layers_ = register_module("layers", seq);
  fused_ = fused_ && num_classes > 0;
  params_ = layers_->parameters();  // the same tensors after the trainer moves them into its flat buffer
}

torch::Tensor MlpImpl::forward(torch::Tensor x) {
  x = x.flatten(/*start_dim=*/1);
  if (fused_ && fused_mlp_applies(x, params_)) return fused_mlp_forward(x, params_);
  return layers_->forward(x);
}

torch::Tensor MlpImpl::features(torch::Tensor x) {
  x = x.flatten(/*start_dim=*/1);
  if (headless()) return layers_->forward(x);
  auto layer = layers_->begin();
  for (std::size_t i = 0; i + 1 < layers_->size(); ++i, ++layer) x = layer->forward(x);
  return x;
}

std::vector<std::int64_t> mlp_widths(const ModelOptions& o) {
  std::vector<std::int64_t> widths = {1};
  for (auto d : o.input_shape) widths[0] *= d;
  for (auto h : o.hidden) {
    if (h < 1) throw UsageError("--hidden widths must be at least 1");
    widths.push_back(h);
  }
  widths.push_back(o.num_classes);
  return widths;
}

Model make_mlp(const ModelOptions& o) {
  const std::vector<std::int64_t> widths = mlp_widths(o);
  return std::make_shared<MlpImpl>(widths.front(), o.hidden, o.num_classes, o.kernels == Kernels::kFused);
}

}  // namespace mnemo::model
