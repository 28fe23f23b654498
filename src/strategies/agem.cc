// Implements: Agem.
#include "strategies/agem.h"

#include "strategies/loss_terms.h"
#include "strategies/state_io.h"

namespace mnemo::strategies {

std::vector<LossTerm> Agem::loss(const Batch& batch) {
  if (batch.size() == 0) return {};
  return {cross_entropy_term(*context_.model, batch.x, batch.y, context_.head_mask)};
}

torch::Tensor Agem::project(const torch::Tensor& g, const torch::Tensor& g_ref) {
  const double dot = torch::dot(g, g_ref).item<double>();
  if (dot >= 0) return g;
  const double ref_norm = torch::dot(g_ref, g_ref).item<double>();
  if (ref_norm <= 0) return g;
  return g - (dot / ref_norm) * g_ref;
}

void Agem::after_sync() {
  if (task_ == 0) return;  // A-GEM constrains against past tasks only
  // Every rank's shard holds past-task samples once task 0 is over.
  const ReplayBatch r = memory_.sample();
  const torch::Tensor g = context_.services.gradient().clone();
  std::vector<LossTerm> ref;
  if (r.size() > 0) ref.push_back(cross_entropy_term(*context_.model, r.x, r.y, context_.head_mask));
  context_.services.synced_gradient(ref);  // (collective) global g_ref into gradient()
  torch::Tensor buffer = context_.services.gradient();
  const torch::Tensor projected = project(g, buffer.clone());
  torch::NoGradGuard no_grad;
  buffer.copy_(projected);
}

void Agem::save_state(torch::serialize::OutputArchive& a) const {
  save_tensor(a, "task", torch::full({1}, task_, torch::kInt64));
}

void Agem::load_state(torch::serialize::InputArchive& a) {
  torch::Tensor t;
  load_tensor(a, "task", t, torch::kCPU);
  if (t.defined()) task_ = t.item<std::int64_t>();
}

}  // namespace mnemo::strategies
