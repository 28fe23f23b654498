// Implements: SGD over a flat parameter buffer, with torch.optim.SGD's
//   semantics (dampening 0, no Nesterov):
//     g = grad + weight_decay * p;  v = momentum * v + g (v = g on step 1);
//     p -= lr * (momentum > 0 ? v : g)
#pragma once

#include <torch/torch.h>

namespace mnemo::train {

struct SgdOptions {
  double lr = 0.1;
  double momentum = 0.0;
  double weight_decay = 0.0;
};

class FlatSgd {
 public:
  explicit FlatSgd(const SgdOptions& options) : options_(options) {}
  void step(torch::Tensor& values, const torch::Tensor& grads);
  void reset_state() { velocity_ = torch::Tensor(); }

 private:
  SgdOptions options_;
  torch::Tensor velocity_, scratch_;
};

}  // namespace mnemo::train
