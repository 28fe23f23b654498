// Tests: the data-parallel gradient of N ranks equals the single-process
//   gradient over the union of their batches (uneven and empty local
//   batches, one and two loss terms). Every rank rebuilds all ranks' batches
//   from (seed, rank), so the reference is computed locally.
#include <gtest/gtest.h>

#include "model/model.h"
#include "mpi_env.h"
#include "strategies/strategy.h"
#include "train/flat_parameters.h"
#include "train/gradient_step.h"

namespace mnemo::train {
namespace {

using testing::world;

model::Model make_net() {
  torch::manual_seed(1);
  model::ModelOptions o;
  o.input_shape = {1, 3, 3};
  o.num_classes = 4;
  o.hidden = {8, 8};
  return model::make_model(o);
}

struct Samples {
  torch::Tensor x, y;
};

// Rank q's samples for term `term`: (q + term + 2) % 3 (rank 1 holds none of term 0).
Samples samples_of(int q, int term) {
  const std::int64_t n = (q + term + 2) % 3;
  torch::manual_seed(1000 + 10 * q + term);
  return {torch::rand({n, 1, 3, 3}), torch::randint(0, 4, {n}, torch::kInt64)};
}

torch::Tensor flat_grad(model::ModelImpl& m) {
  std::vector<torch::Tensor> g;
  for (auto& p : m.parameters()) g.push_back(p.grad().flatten());
  return torch::cat(g);
}

void check(int terms, const std::vector<double>& weights) {
  const int size = world().world_size();
  auto net = make_net();
  FlatParameters flat(*net);
  std::vector<strategies::LossTerm> local;
  for (int k = 0; k < terms; ++k) {
    const Samples s = samples_of(world().rank(), k);
    if (s.x.size(0) == 0) {
      local.push_back({torch::Tensor(), 0, weights[k]});
      continue;
    }
    auto term = strategies::cross_entropy_term(*net, s.x, s.y);
    term.weight = weights[k];
    local.push_back(term);
  }
  synced_gradient(local, flat, world(), world());

  // Reference: one process, the union of every rank's samples, mean per term.
  auto ref = make_net();
  torch::Tensor loss = torch::zeros({});
  for (int k = 0; k < terms; ++k) {
    std::vector<torch::Tensor> xs, ys;
    for (int q = 0; q < size; ++q) {
      const Samples s = samples_of(q, k);
      xs.push_back(s.x);
      ys.push_back(s.y);
    }
    const auto x = torch::cat(xs), y = torch::cat(ys);
    if (x.size(0) > 0) loss = loss + weights[k] * torch::nn::functional::cross_entropy(ref->forward(x), y);
  }
  loss.backward();
  const auto want = flat_grad(*ref);
  const double diff = (flat.grads() - want).abs().max().item<double>();
  EXPECT_LT(diff, 1e-5) << "terms=" << terms << " world=" << size;
  EXPECT_GT(want.abs().max().item<double>(), 1e-3) << "reference gradient is trivially small";
}

TEST(GradientSync, OneTermEqualsUnionBatch) { check(1, {1.0}); }

TEST(GradientSync, TwoWeightedTermsEqualUnionBatch) { check(2, {1.0, 0.5}); }

TEST(GradientSync, ParametersStayIdenticalAcrossRanks) {
  auto net = make_net();
  FlatParameters flat(*net);
  // Rank 0's values win after a broadcast, as at the start of training.
  if (world().rank() != 0) flat.values().add_(1.0);
  world().broadcast(flat.values().data_ptr(), static_cast<std::size_t>(flat.numel()), DType::kFloat32, 0);
  auto ref = make_net();
  FlatParameters ref_flat(*ref);
  EXPECT_TRUE(torch::equal(flat.values(), ref_flat.values()));
}

}  // namespace
}  // namespace mnemo::train
