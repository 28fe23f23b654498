// Implements: Si.
#include "strategies/si.h"

#include "strategies/loss_terms.h"
#include "strategies/state_io.h"

namespace mnemo::strategies {

void SiOptions::declare(OptionTable& t) {
  t.add("si-c", c, "si: penalty weight").at_least(0).finite();
  t.add("si-xi", xi, "si: damping").positive();
}

void Si::before_task(std::int64_t) {
  torch::NoGradGuard no_grad;
  const torch::Tensor theta = context_.services.parameters();
  task_start_ = theta.clone();
  previous_ = theta.clone();
  small_omega_ = torch::zeros_like(theta);
}

std::vector<LossTerm> Si::loss(const Batch& batch) {
  if (batch.size() == 0) return {};
  return {cross_entropy_term(*context_.model, batch.x, batch.y, context_.head_mask)};
}

void Si::after_sync() {
  torch::NoGradGuard no_grad;
  torch::Tensor g = context_.services.gradient();
  if (big_omega_.defined()) g.add_(big_omega_ * (context_.services.parameters() - anchor_), 2.0 * options_.c);
  last_grad_ = g.clone();
}

void Si::after_step(const Batch&) {
  torch::NoGradGuard no_grad;
  const torch::Tensor theta = context_.services.parameters();
  small_omega_.sub_(last_grad_ * (theta - previous_));
  previous_.copy_(theta);
}

void Si::after_task(const TaskSamples&) {
  torch::NoGradGuard no_grad;
  const torch::Tensor theta = context_.services.parameters();
  const torch::Tensor add = small_omega_ / ((theta - task_start_).pow(2) + options_.xi);
  big_omega_ = big_omega_.defined() ? big_omega_.add_(add) : add;
  anchor_ = theta.clone();
}

void Si::save_state(torch::serialize::OutputArchive& a) const {
  save_tensor(a, "si.small_omega", small_omega_);
  save_tensor(a, "si.big_omega", big_omega_);
  save_tensor(a, "si.anchor", anchor_);
  save_tensor(a, "si.task_start", task_start_);
  save_tensor(a, "si.previous", previous_);
}

void Si::load_state(torch::serialize::InputArchive& a) {
  load_tensor(a, "si.small_omega", small_omega_, context_.device);
  load_tensor(a, "si.big_omega", big_omega_, context_.device);
  load_tensor(a, "si.anchor", anchor_, context_.device);
  load_tensor(a, "si.task_start", task_start_, context_.device);
  load_tensor(a, "si.previous", previous_, context_.device);
}

}  // namespace mnemo::strategies
