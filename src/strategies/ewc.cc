// Implements: Ewc.
#include "strategies/ewc.h"

#include "strategies/loss_terms.h"
#include "strategies/state_io.h"

namespace mnemo::strategies {

void EwcOptions::declare(OptionTable& t) {
  t.add("ewc-lambda", lambda, "ewc: penalty weight").at_least(0).finite();
  t.add("ewc-gamma", gamma, "ewc: decay of the accumulated Fisher (online EWC; 1: plain sum)").in_range(0, 1);
}

std::vector<LossTerm> Ewc::loss(const Batch& batch) {
  if (batch.size() == 0) return {};
  return {cross_entropy_term(*context_.model, batch.x, batch.y, context_.head_mask)};
}

void Ewc::after_sync() {
  if (!fisher_.defined()) return;
  torch::NoGradGuard no_grad;
  torch::Tensor g = context_.services.gradient();
  g.add_(fisher_ * (context_.services.parameters() - anchor_), 2.0 * options_.lambda);
}

double Ewc::penalty(const torch::Tensor& theta) const {
  if (!fisher_.defined()) return 0.0;
  return options_.lambda * (fisher_ * (theta - anchor_).pow(2)).sum().item<double>();
}

void Ewc::after_task(const TaskSamples& samples) {
  torch::Tensor grad = context_.services.gradient();
  torch::Tensor fish = torch::zeros_like(grad);
  const std::int64_t n = samples.count;
  auto& model = *context_.model;
  const bool was_training = model.is_training();
  model.eval();  // the Fisher of the trained model; BatchNorm statistics untouched
  constexpr std::int64_t kChunk = 512;  // samples read from the stream at a time
  for (std::int64_t a = 0; a < n; a += kChunk) {
    const auto [images, labels] = samples.read(a, std::min(n, a + kChunk));
    for (std::int64_t i = 0; i < images.size(0); ++i) {  // per-sample gradients
      const torch::Tensor x = model::to_input(images.narrow(0, i, 1), context_.device, context_.input_norm);
      const torch::Tensor y = labels.narrow(0, i, 1).to(context_.device);
      torch::Tensor logits = model.forward(x);
      if (context_.head_mask.defined()) logits = logits + context_.head_mask.index_select(0, y);
      const torch::Tensor log_p = torch::log_softmax(logits, 1).gather(1, y.unsqueeze(1)).sum();
      grad.zero_();
      log_p.backward();
      torch::NoGradGuard no_grad;
      fish.add_(grad.pow(2), std::exp(log_p.item<double>()));
    }
  }
  grad.zero_();
  if (was_training) model.train();
  context_.services.global_mean(fish, n);  // (collective) the mean over every rank's samples
  torch::NoGradGuard no_grad;
  fisher_ = fisher_.defined() ? fisher_.mul_(options_.gamma).add_(fish) : fish;
  anchor_ = context_.services.parameters().clone();
}

void Ewc::save_state(torch::serialize::OutputArchive& a) const {
  save_tensor(a, "ewc.fisher", fisher_);
  save_tensor(a, "ewc.anchor", anchor_);
}

void Ewc::load_state(torch::serialize::InputArchive& a) {
  load_tensor(a, "ewc.fisher", fisher_, context_.device);
  load_tensor(a, "ewc.anchor", anchor_, context_.device);
}

}  // namespace mnemo::strategies
