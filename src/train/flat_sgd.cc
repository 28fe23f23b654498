// Implements: FlatSgd.
#include "train/flat_sgd.h"

namespace mnemo::train {

void FlatSgd::step(torch::Tensor& values, const torch::Tensor& grads) {
  torch::NoGradGuard no_grad;
  const torch::Tensor* g = &grads;
  if (options_.weight_decay != 0.0) {
    scratch_ = torch::add(grads, values, options_.weight_decay);
    g = &scratch_;
  }
  if (options_.momentum != 0.0) {
    if (!velocity_.defined()) {
      velocity_ = g->clone();
    } else {
      velocity_.mul_(options_.momentum).add_(*g);
    }
    g = &velocity_;
  }
  values.add_(*g, -options_.lr);
}

}  // namespace mnemo::train
