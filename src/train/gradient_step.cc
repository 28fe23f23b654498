// Implements: synced_gradient (see gradient_step.h).
#include "train/gradient_step.h"

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
  torch::Tensor loss;
  for (std::size_t k = 0; k < terms.size(); ++k) {
    if (terms[k].count == 0 || counts[k] == 0) continue;
    torch::Tensor scaled = terms[k].sum * (terms[k].weight / static_cast<double>(counts[k]));
    loss = loss.defined() ? loss + scaled : scaled;
  }
  double value = 0;
  reducer.prepare();
  if (loss.defined()) {
    loss.backward();
    value = loss.item<double>();
  }
  // Autograd accumulates into the flat views in place; if it ever replaced
  // one, buckets launched during backward would have missed it.
  const bool rebound = flat.bind_grads();
  MNEMO_ASSERT(!(rebound && reducer.overlaps()), "autograd replaced a gradient view during an overlapped reduce");
  start = Clock::now();
  reducer.finish();
  waited += std::chrono::duration<double>(Clock::now() - start).count();
  if (comm_seconds != nullptr) *comm_seconds += waited;
  return value;
}

}  // namespace mnemo::train
