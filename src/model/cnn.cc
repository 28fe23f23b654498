// Implements: SmallCnnImpl.
#include "model/cnn.h"

#include "core/error.h"

namespace mnemo::model {

SmallCnnImpl::SmallCnnImpl(const std::vector<std::int64_t>& s, std::int64_t num_classes) {
  conv1_ = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(s[0], 32, /*kernel_size=*/3).padding(1)));
  conv2_ = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, /*kernel_size=*/3).padding(1)));
  fc_ = register_module("fc", torch::nn::Linear(64 * (s[1] / 4) * (s[2] / 4), 128));
  if (num_classes > 0) head_ = register_module("head", torch::nn::Linear(128, num_classes));  // 0: headless
}

torch::Tensor SmallCnnImpl::features(torch::Tensor x) {
  x = torch::max_pool2d(torch::relu(conv1_->forward(x)), /*kernel_size=*/2);
  x = torch::max_pool2d(torch::relu(conv2_->forward(x)), /*kernel_size=*/2);
  return torch::relu(fc_->forward(x.flatten(/*start_dim=*/1)));
}

torch::Tensor SmallCnnImpl::forward(torch::Tensor x) { return headless() ? features(x) : head_->forward(features(x)); }

Model make_small_cnn(const ModelOptions& o) {
  if (o.input_shape.size() != 3 || o.input_shape[1] < 4 || o.input_shape[2] < 4) {
    throw UsageError(with_hint("--model cnn needs [C, H, W] images of at least 4x4 pixels; this stream's samples have " +
                                   std::to_string(o.input_shape.size()) + " dimension(s)",
                               "use --model mlp for feature vectors"));
  }
  return std::make_shared<SmallCnnImpl>(o.input_shape, o.num_classes);
}

}  // namespace mnemo::model
