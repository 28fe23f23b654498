// Implements: GDumb.
#include "strategies/gdumb.h"

#include "strategies/loss_terms.h"
#include "strategies/state_io.h"

#include <cmath>

namespace mnemo::strategies {

namespace {

StrategyOptions with_greedy_sampler(StrategyOptions o) {
  o.replay_policy = replay::Policy::kClassBalanced;
  return o;
}

}  // namespace

void GDumbOptions::declare(OptionTable& t) {
  t.add("gdumb-epochs", epochs, "gdumb: passes over the memory when retraining at each task end").in_range(1, 1 << 20);
}

GDumb::GDumb(const StrategyOptions& o, const StrategyContext& c)
    : options_(o), gdumb_(o.params<GDumbOptions>()), context_(c), memory_(with_greedy_sampler(o), c, /*with_logits=*/false) {}

void GDumb::before_task(std::int64_t task) {
  // After the trainer's broadcast: every rank keeps rank 0's initial weights.
  if (!initial_.defined()) initial_ = context_.services.parameters().clone();
}

void GDumb::after_task(const TaskSamples&) {
  torch::Tensor params = context_.services.parameters();
  {
    torch::NoGradGuard no_grad;
    params.copy_(initial_);
  }
  const std::int64_t n = memory_.buffer().size();
  if (n == 0) return;
  const std::int64_t batch = std::max<std::int64_t>(1, options_.replay_batch);
  const std::int64_t per_epoch = (n + batch - 1) / batch, total = gdumb_.epochs * per_epoch;
  std::int64_t step = 0;
  for (std::int64_t e = 0; e < gdumb_.epochs; ++e) {
    const std::vector<std::int64_t> order = memory_.buffer().sample(n);  // every slot, shuffled alike on every rank
    for (std::int64_t a = 0; a < n; a += batch, ++step) {
      const std::vector<std::int64_t> chunk(order.begin() + a, order.begin() + std::min(n, a + batch));
      const ReplayBatch r = memory_.batch_of(chunk);
      std::vector<LossTerm> terms;
      if (r.size() > 0) terms.push_back(cross_entropy_term(*context_.model, r.x, r.y, context_.head_mask));
      context_.services.synced_gradient(terms);  // (collective)
      const double lr = 0.5 * options_.lr * (1.0 + std::cos(M_PI * static_cast<double>(step) / total));
      torch::NoGradGuard no_grad;
      params.sub_(context_.services.gradient(), lr);
    }
  }
}

void GDumb::save_state(torch::serialize::OutputArchive& a) const { save_tensor(a, "gdumb.initial", initial_); }

void GDumb::load_state(torch::serialize::InputArchive& a) {
  load_tensor(a, "gdumb.initial", initial_, context_.device);
}

}  // namespace mnemo::strategies
