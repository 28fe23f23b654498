// Implements: GrowingHeadImpl (see growing_head.h).
#include "model/growing_head.h"

#include <limits>
#include <set>

#include "core/error.h"
#include "model/seeded.h"

namespace mnemo::model {

GrowingHeadImpl::GrowingHeadImpl(Model body, std::int64_t features, std::int64_t num_classes,
                                 std::vector<std::vector<std::int64_t>> task_classes, WeightInit init,
                                 std::uint64_t seed)
    : ModelImpl("GrowingHead"),
      body_(register_module("body", std::move(body))),
      features_(features),
      num_classes_(num_classes),
      task_classes_(std::move(task_classes)),
      init_(init),
      seed_(seed) {
  order_ = register_buffer("order", torch::full({num_classes_}, 0, torch::kInt64));
  grow_to_task(0);
}

std::int64_t GrowingHeadImpl::active_classes() const { return static_cast<std::int64_t>(block_classes_.size()); }

void GrowingHeadImpl::add_block(std::int64_t task, const std::vector<std::int64_t>& classes) {
  torch::nn::Linear block{nullptr};
  with_seed(seed_ + static_cast<std::uint64_t>(task), [&] {
    block = torch::nn::Linear(features_, static_cast<std::int64_t>(classes.size()));
    init_linear_layers(*block, init_);
  });
  const auto some = body_->parameters();
  if (!some.empty()) block->to(some[0].device());
  blocks_.push_back(register_module("head" + std::to_string(task), block));
  block_classes_.insert(block_classes_.end(), classes.begin(), classes.end());
}

bool GrowingHeadImpl::grow_to_task(std::int64_t task) {
  bool changed = false;
  const std::set<std::int64_t> seen(block_classes_.begin(), block_classes_.end());
  for (std::int64_t t = grown_ + 1; t <= task && t < static_cast<std::int64_t>(task_classes_.size()); ++t) {
    std::vector<std::int64_t> fresh;
    for (auto c : task_classes_[static_cast<std::size_t>(t)]) {
      if (c >= 0 && c < num_classes_ && !seen.count(c) &&
          std::find(fresh.begin(), fresh.end(), c) == fresh.end()) {
        fresh.push_back(c);
      }
    }
    if (!fresh.empty()) {
      add_block(t, fresh);
      changed = true;
    }
  }
  grown_ = std::max(grown_, task);
  if (changed) {  // class c -> its column; absent classes -> the -inf column after the blocks'
    torch::NoGradGuard no_grad;
    std::vector<std::int64_t> order(static_cast<std::size_t>(num_classes_), active_classes());
    for (std::size_t i = 0; i < block_classes_.size(); ++i) order[static_cast<std::size_t>(block_classes_[i])] = static_cast<std::int64_t>(i);
    order_.copy_(torch::tensor(order, torch::kInt64));
  }
  return changed;
}

torch::Tensor GrowingHeadImpl::forward(torch::Tensor x) {
  const torch::Tensor f = body_->features(x);
  std::vector<torch::Tensor> parts;
  for (auto& block : blocks_) parts.push_back(block->forward(f));
  parts.push_back(torch::full({f.size(0), 1}, -std::numeric_limits<float>::infinity(), f.options()));
  return torch::cat(parts, /*dim=*/1).index_select(1, order_);
}

Model make_growing_head(const ModelOptions& options, const std::function<Model(const ModelOptions&)>& build) {
  ModelOptions headless = options;
  headless.num_classes = 0;  // the body: the model without its last layer
  Model body = build(headless);
  if (!body->has_features()) {
    throw UsageError(with_hint("--growing-head needs a model with a feature layer; --model " + options.name +
                                   " has none",
                               "use --model mlp, cnn or resnet18, or give the TorchScript model a "
                               "`features(self, x)` method (@torch.jit.export) returning [N, D]"));
  }
  init_linear_layers(*body, options.weight_init);
  std::vector<std::int64_t> shape = {2};
  shape.insert(shape.end(), options.input_shape.begin(), options.input_shape.end());
  // One probe: the feature width, and which parameters features() reads. The
  // others (a TorchScript model's own head) are frozen, out of the flat buffer.
  body->eval();
  for (auto& p : body->parameters()) p.mutable_grad() = torch::Tensor();
  const torch::Tensor probe = body->features(torch::zeros(shape));
  const std::int64_t width = probe.size(1);
  probe.sum().backward();
  for (auto& p : body->parameters()) {
    if (!p.grad().defined()) p.set_requires_grad(false);
    p.mutable_grad() = torch::Tensor();
  }
  body->train();
  const auto seed = static_cast<std::uint64_t>(torch::randint(1LL << 40, {1}, torch::kInt64).item<std::int64_t>());
  return std::make_shared<GrowingHeadImpl>(std::move(body), width, options.num_classes, options.task_classes,
                                           options.weight_init, seed);
}

}  // namespace mnemo::model
