// Implements: BasicBlockImpl and ReducedResNet18Impl.
#include "model/resnet.h"

#include "core/error.h"

namespace mnemo::model {
namespace {

torch::nn::Conv2dOptions conv3x3(std::int64_t in, std::int64_t out, std::int64_t stride) {
  return torch::nn::Conv2dOptions(in, out, /*kernel_size=*/3).stride(stride).padding(1).bias(false);
}

}  // namespace

BasicBlockImpl::BasicBlockImpl(std::int64_t in, std::int64_t planes, std::int64_t stride) {
  conv1_ = register_module("conv1", torch::nn::Conv2d(conv3x3(in, planes, stride)));
  bn1_ = register_module("bn1", torch::nn::BatchNorm2d(planes));
  conv2_ = register_module("conv2", torch::nn::Conv2d(conv3x3(planes, planes, 1)));
  bn2_ = register_module("bn2", torch::nn::BatchNorm2d(planes));
  torch::nn::Sequential shortcut;
  if (stride != 1 || in != planes) {
    shortcut->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, planes, /*kernel_size=*/1).stride(stride).bias(false)));
    shortcut->push_back(torch::nn::BatchNorm2d(planes));
  }
  shortcut_ = register_module("shortcut", shortcut);
}

torch::Tensor BasicBlockImpl::forward(torch::Tensor x) {
  torch::Tensor out = torch::relu(bn1_->forward(conv1_->forward(x)));
  out = bn2_->forward(conv2_->forward(out));
  out += shortcut_->is_empty() ? x : shortcut_->forward(x);
  return torch::relu(out);
}

ReducedResNet18Impl::ReducedResNet18Impl(std::int64_t in_channels, std::int64_t num_classes, std::int64_t nf) {
  conv1_ = register_module("conv1", torch::nn::Conv2d(conv3x3(in_channels, nf, 1)));
  bn1_ = register_module("bn1", torch::nn::BatchNorm2d(nf));
  torch::nn::Sequential layers;
  std::int64_t in = nf;
  for (int stage = 0; stage < 4; ++stage) {
    const std::int64_t planes = nf << stage;
    for (int block = 0; block < 2; ++block) {
      layers->push_back(BasicBlock(in, planes, block == 0 && stage > 0 ? 2 : 1));
      in = planes;
    }
  }
  layers_ = register_module("layers", layers);
  if (num_classes > 0) head_ = register_module("head", torch::nn::Linear(in, num_classes));  // 0: headless
}

torch::Tensor ReducedResNet18Impl::features(torch::Tensor x) {
  x = torch::relu(bn1_->forward(conv1_->forward(x)));
  x = layers_->forward(x);
  return torch::adaptive_avg_pool2d(x, {1, 1}).flatten(/*start_dim=*/1);
}

torch::Tensor ReducedResNet18Impl::forward(torch::Tensor x) {
  return headless() ? features(x) : head_->forward(features(x));
}

Model make_reduced_resnet18(const ModelOptions& o) {
  if (o.input_shape.size() != 3) {
    throw UsageError(with_hint("--model resnet18 needs [C, H, W] images; this stream's samples have " +
                                   std::to_string(o.input_shape.size()) + " dimension(s)",
                               "use --model mlp for feature vectors"));
  }
  return std::make_shared<ReducedResNet18Impl>(o.input_shape.at(0), o.num_classes);
}

}  // namespace mnemo::model
