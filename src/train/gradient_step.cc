// Implements: synced_gradient (see gradient_step.h).
#include "train/gradient_step.h"

#include <array>
#include <chrono>

#include "core/error.h"

namespace mnemo::train {

namespace {

using strategies::kMaxLossTerms;

// Slots of the step's count all-reduce after the terms' counts.
enum Slot : std::size_t { kStopping = kMaxLossTerms, kCheckpointDue, kTooMany, kSlots };

// Every rank sees the same sums, so every rank throws alike.
void check_term_contract(const std::array<std::int64_t, kSlots>& summed, const std::string& strategy) {
  if (summed[kTooMany] > 0) {
    throw UsageError(with_hint(strategy + " returned more than " + std::to_string(kMaxLossTerms) +
                                   " loss terms on " + std::to_string(summed[kTooMany]) + " rank(s)",
                               "combine terms that share their samples into one (a weighted sum)"));
  }
}

}  // namespace

StepLoss synced_gradient(const std::vector<strategies::LossTerm>& terms, FlatParameters& flat, Communicator& control,
                       GradientReducer& reducer, const SyncExtras& extras) {
  using Clock = std::chrono::steady_clock;
  double waited = 0;
  const auto n_terms = static_cast<std::int64_t>(terms.size());
  std::array<std::int64_t, kSlots> counts{};
  for (std::size_t k = 0; k < terms.size() && k < kMaxLossTerms; ++k) counts[k] = terms[k].count;
  if (extras.agreement != nullptr) {
    counts[kStopping] = extras.agreement->ranks_stopping;
    counts[kCheckpointDue] = extras.agreement->checkpoint_due;
  }
  counts[kTooMany] = n_terms > static_cast<std::int64_t>(kMaxLossTerms) ? 1 : 0;
  auto start = Clock::now();
  control.allreduce_sum(counts.data(), counts.size(), DType::kInt64);
  waited += std::chrono::duration<double>(Clock::now() - start).count();
  check_term_contract(counts, extras.strategy);
  if (extras.agreement != nullptr) {
    extras.agreement->ranks_stopping = counts[kStopping];
    extras.agreement->checkpoint_due = counts[kCheckpointDue];
  }

  flat.zero_grad();
  // One backward from every term's root, each seeded with its scale: no
  // scalar mul/add nodes for the weighted sum.
  std::vector<torch::Tensor> roots, seeds;
  std::array<double, kMaxLossTerms> scales{};  // 0: the term is skipped
  for (std::size_t k = 0; k < terms.size(); ++k) {
    if (terms[k].count == 0 || counts[k] == 0) continue;
    const double scale = terms[k].weight / static_cast<double>(counts[k]);
    scales[k] = scale;
    if (!terms[k].sum.requires_grad()) continue;  // a constant (e.g. a penalty before any anchor)
    roots.push_back(terms[k].sum);
    seeds.push_back(torch::full({}, scale, terms[k].sum.options()));
  }
  reducer.prepare();
  if (!roots.empty()) torch::autograd::backward(roots, seeds);
  // Autograd accumulates into the flat views in place; if it ever replaced
  // one, buckets launched during backward would have missed it.
  const bool rebound = flat.bind_grads();
  MNEMO_ASSERT(!(rebound && reducer.overlaps()), "autograd replaced a gradient view during an overlapped reduce");
  start = Clock::now();
  reducer.finish();
  waited += std::chrono::duration<double>(Clock::now() - start).count();
  if (extras.comm_seconds != nullptr) *extras.comm_seconds += waited;
  // Read after the sync: on a GPU, reading the loss between forward and
  // backward would stall the host until the forward pass has run.
  StepLoss loss;
  for (std::size_t k = 0; k < kMaxLossTerms; ++k) loss.present[k] = counts[k] > 0;
  for (std::size_t k = 0; k < terms.size() && k < kMaxLossTerms; ++k) {
    if (scales[k] == 0.0) continue;
    const double sum = terms[k].sum.item<double>();
    loss.terms[k] = sum / static_cast<double>(counts[k]);
    loss.total += sum * scales[k];
  }
  return loss;
}

}  // namespace mnemo::train
