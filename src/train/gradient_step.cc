// Implements: synced_gradient (see gradient_step.h).
#include "train/gradient_step.h"

#include <array>
#include <chrono>

#include "core/error.h"

namespace mnemo::train {

double synced_gradient(const std::vector<strategies::LossTerm>& terms, FlatParameters& flat, Communicator& control,
                       GradientReducer& reducer, double* comm_seconds, std::int64_t* flag) {
  using Clock = std::chrono::steady_clock;
  double waited = 0;
  MNEMO_ASSERT(terms.size() <= kMaxLossTerms, "a strategy returned too many loss terms");
  std::vector<std::int64_t> counts(kMaxLossTerms + 1, 0);
  for (std::size_t k = 0; k < terms.size(); ++k) counts[k] = terms[k].count;
  counts[kMaxLossTerms] = flag != nullptr ? *flag : 0;
  auto start = Clock::now();
  control.allreduce_sum(counts);
  if (flag != nullptr) *flag = counts[kMaxLossTerms];
  waited += std::chrono::duration<double>(Clock::now() - start).count();

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
  if (comm_seconds != nullptr) *comm_seconds += waited;
  // Read after the sync: on a GPU, reading the loss between forward and
  // backward would stall the host until the forward pass has run.
  double value = 0;
  for (std::size_t k = 0; k < terms.size(); ++k) {
    if (scales[k] != 0.0) value += terms[k].sum.item<double>() * scales[k];
  }
  return value;
}

}  // namespace mnemo::train
