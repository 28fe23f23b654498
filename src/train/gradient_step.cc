// Implements: synced_gradient (see gradient_step.h).
#include "train/gradient_step.h"

#include <chrono>

#include "core/error.h"

namespace mnemo::train {

double synced_gradient(const std::vector<strategies::LossTerm>& terms, FlatParameters& flat, Communicator& control,
                       Communicator& gradients, double* comm_seconds) {
  using Clock = std::chrono::steady_clock;
  double waited = 0;
  MNEMO_ASSERT(terms.size() <= kMaxLossTerms, "a strategy returned too many loss terms");
  std::vector<std::int64_t> counts(kMaxLossTerms, 0);
  for (std::size_t k = 0; k < terms.size(); ++k) counts[k] = terms[k].count;
  auto start = Clock::now();
  control.allreduce_sum(counts);
  waited += std::chrono::duration<double>(Clock::now() - start).count();

  flat.zero_grad();
  torch::Tensor loss;
  for (std::size_t k = 0; k < terms.size(); ++k) {
    if (terms[k].count == 0 || counts[k] == 0) continue;
    torch::Tensor scaled = terms[k].sum * (terms[k].weight / static_cast<double>(counts[k]));
    loss = loss.defined() ? loss + scaled : scaled;
  }
  double value = 0;
  if (loss.defined()) {
    loss.backward();
    flat.bind_grads();
    value = loss.item<double>();
  }
  if (flat.grads().is_cuda()) torch::cuda::synchronize();
  start = Clock::now();
  gradients.allreduce_sum(flat.grads().data_ptr(), static_cast<std::size_t>(flat.numel()), DType::kFloat32);
  waited += std::chrono::duration<double>(Clock::now() - start).count();
  if (comm_seconds != nullptr) *comm_seconds += waited;
  return value;
}

}  // namespace mnemo::train
