// Implements: ErAce.
#include "strategies/er_ace.h"

#include "strategies/loss_terms.h"
#include "strategies/state_io.h"

#include <limits>

namespace mnemo::strategies {

std::vector<LossTerm> ErAce::loss(const Batch& batch) {
  // Classes present in the global stream batch (every rank holds its labels).
  torch::Tensor present = torch::zeros({context_.num_classes}, torch::TensorOptions().device(context_.device));
  const torch::Tensor labels = batch.global_labels.defined() ? batch.global_labels.to(context_.device) : batch.y;
  if (labels.numel() > 0) present.index_fill_(0, labels, 1.0);
  std::vector<LossTerm> terms;
  if (batch.size() > 0) {
    torch::Tensor logits = context_.model->forward(batch.x);
    if (task_ > 0) logits = logits.masked_fill(present.eq(0).unsqueeze(0), std::numeric_limits<float>::lowest());
    terms.push_back(cross_entropy_of_logits(logits, batch.y, context_.head_mask));
  } else {
    terms.push_back({torch::Tensor(), 0, 1.0});
  }
  if (task_ > 0) {
    const ReplayBatch r = memory_.sample();
    if (r.size() > 0) terms.push_back(cross_entropy_term(*context_.model, r.x, r.y, context_.head_mask));
  }
  return terms;
}

void ErAce::save_state(torch::serialize::OutputArchive& a) const {
  save_tensor(a, "task", torch::full({1}, task_, torch::kInt64));
}

void ErAce::load_state(torch::serialize::InputArchive& a) {
  torch::Tensor t;
  load_tensor(a, "task", t, torch::kCPU);
  if (t.defined()) task_ = t.item<std::int64_t>();
}

}  // namespace mnemo::strategies
