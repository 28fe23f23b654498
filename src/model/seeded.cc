// Implements: with_seed (see seeded.h).
#include "model/seeded.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <mutex>

namespace mnemo::model {

void with_seed(std::uint64_t seed, const std::function<void()>& build) {
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  torch::Tensor saved;
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    saved = gen.get_state();
    gen.set_current_seed(seed);
  }
  build();  // draws through the generator, which takes its lock itself
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(saved);
}

}  // namespace mnemo::model
