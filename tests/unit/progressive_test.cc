// Tests: the progressive network (--model pnn) against hand-worked cases:
//   its forward pass on weights set by hand, the parameter count of the
//   header's closed form as it grows, what is frozen and what the flat
//   buffer holds, that training the newest column leaves every earlier
//   task's outputs bit for bit unchanged, that a column's numbers do not
//   depend on the RNG's state when it is added, and that the TorchScript
//   export answers each task like the network.
#include <gtest/gtest.h>

#include "model/progressive.h"
#include "model/torchscript.h"
#include "train/flat_parameters.h"

namespace mnemo::model {
namespace {

std::shared_ptr<ProgressiveImpl> build(std::vector<std::int64_t> hidden, std::int64_t in = 6,
                                       std::int64_t classes = 3) {
  torch::manual_seed(7);
  ModelOptions o;
  o.name = "pnn";
  o.input_shape = {1, 1, in};
  o.hidden = std::move(hidden);
  o.num_classes = classes;
  auto pnn = std::dynamic_pointer_cast<ProgressiveImpl>(make_model(o));
  EXPECT_TRUE(pnn);
  return pnn;
}

std::int64_t count(const torch::nn::Module& m, bool trainable_only) {
  std::int64_t n = 0;
  for (const auto& p : m.parameters()) n += (!trainable_only || p.requires_grad()) ? p.numel() : 0;
  return n;
}

TEST(Progressive, ParameterCountGrowsByTheClosedForm) {
  auto pnn = build({5, 4});  // widths 6 -> 5 -> 4 -> 3
  const std::int64_t P = (6 * 5 + 5) + (5 * 4 + 4) + (4 * 3 + 3);  // one column: 74
  const std::int64_t Q = 5 * 4 + 4 * 3;                            // its laterals from one earlier column: 32
  EXPECT_EQ(pnn->column_parameters(), P);
  EXPECT_EQ(pnn->lateral_parameters(), Q);
  for (std::int64_t k = 0; k < 4; ++k) {
    EXPECT_EQ(pnn->grow_to_task(k), k > 0) << "task " << k;
    const std::int64_t K = k + 1;
    EXPECT_EQ(count(*pnn, false), K * P + Q * K * (K - 1) / 2) << "after task " << k;
    EXPECT_EQ(count(*pnn, true), P + k * Q) << "task " << k << " trains its column and its laterals";
    const train::FlatParameters flat(*pnn);
    EXPECT_EQ(flat.numel(), P + k * Q);
    EXPECT_EQ(flat.frozen_numel(), count(*pnn, false) - (P + k * Q));
  }
  EXPECT_FALSE(pnn->grow_to_task(3)) << "idempotent";
  EXPECT_FALSE(pnn->grow_to_task(1)) << "never shrinks";
}

TEST(Progressive, ForwardIsTheHandWorkedSum) {
  // widths 2 -> 2 -> 1; column 1 reads column 0's hidden layer through U.
  auto pnn = build({2}, 2, 1);
  pnn->grow_to_task(1);
  torch::NoGradGuard no_grad;
  auto set = [](const torch::Tensor& t, std::vector<float> v) { t.copy_(torch::tensor(v).view(t.sizes())); };
  for (const auto& p : pnn->named_parameters()) {
    const std::string& n = p.key();
    if (n == "column0.layer0.weight") set(p.value(), {1, 0, 0, 1});
    if (n == "column0.layer0.bias") set(p.value(), {0, -10});
    if (n == "column0.layer1.weight") set(p.value(), {1, 1});
    if (n == "column0.layer1.bias") set(p.value(), {0.5});
    if (n == "column1.layer0.weight") set(p.value(), {-1, 0, 0, 2});
    if (n == "column1.layer0.bias") set(p.value(), {0, 0});
    if (n == "column1.layer1.weight") set(p.value(), {3, 1});
    if (n == "column1.layer1.bias") set(p.value(), {-1});
    if (n == "column1.lateral1_0.weight") set(p.value(), {2, -1});
  }
  const torch::Tensor x = torch::tensor({3.0f, 4.0f}).view({1, 1, 1, 2});
  // column 0: a = relu([3, 4 - 10]) = [3, 0]; logit = 3 + 0 + 0.5 = 3.5
  pnn->use_task(0);
  EXPECT_FLOAT_EQ(pnn->forward(x).item<float>(), 3.5f);
  // column 1: b = relu([-3, 8]) = [0, 8]; logit = 3*0 + 1*8 - 1 + (2*3 - 1*0) = 13
  pnn->use_task(1);
  EXPECT_FLOAT_EQ(pnn->forward(x).item<float>(), 13.0f);
  pnn->use_task(5);  // no column 5 yet: the newest answers
  EXPECT_FLOAT_EQ(pnn->forward(x).item<float>(), 13.0f);
}

TEST(Progressive, TrainingTheNewColumnLeavesEarlierTasksBitForBit) {
  auto pnn = build({8, 8});
  const torch::Tensor x = torch::rand({16, 1, 1, 6});
  pnn->use_task(0);
  const torch::Tensor before = pnn->forward(x).detach().clone();
  pnn->grow_to_task(1);
  train::FlatParameters flat(*pnn);
  pnn->use_task(1);
  for (int step = 0; step < 3; ++step) {
    flat.zero_grad();
    pnn->forward(x).pow(2).sum().backward();
    flat.values().sub_(0.1 * flat.grads());
  }
  EXPECT_GT(flat.grads().abs().sum().item<float>(), 0.0f) << "column 1 trained";
  pnn->use_task(0);
  EXPECT_TRUE(torch::equal(pnn->forward(x), before));
  for (const auto& p : pnn->named_parameters()) {
    if (p.key().rfind("column0.", 0) == 0) {
      EXPECT_FALSE(p.value().requires_grad()) << p.key();
      EXPECT_FALSE(p.value().grad().defined() && p.value().grad().abs().sum().item<float>() > 0) << p.key();
    }
  }
}

TEST(Progressive, ANewColumnDependsOnTheSeedNotOnTheRngsState) {
  auto a = build({5});
  auto b = build({5});
  torch::rand({1000});  // b's global RNG moves on before it grows
  a->grow_to_task(2);
  b->grow_to_task(2);
  ASSERT_EQ(train::parameter_fingerprint(*a), train::parameter_fingerprint(*b));
  EXPECT_FALSE(torch::equal(a->named_parameters()["column1.layer0.weight"],
                            a->named_parameters()["column0.layer0.weight"]))
      << "columns are drawn from different seeds";
  auto m = build({5});
  torch::manual_seed(3);
  m->grow_to_task(1);  // growing puts the RNG's state back
  const torch::Tensor after = torch::rand({4});
  torch::manual_seed(3);
  EXPECT_TRUE(torch::equal(torch::rand({4}), after));
}

TEST(Progressive, TorchScriptExportAnswersEachTaskLikeTheNetwork) {
  auto pnn = build({5, 4});
  pnn->grow_to_task(2);
  pnn->eval();
  torch::jit::Module ts = to_torchscript(*pnn);
  const torch::Tensor x = torch::rand({7, 1, 1, 6});
  for (std::int64_t task : {0, 1, 2}) {
    pnn->use_task(task);
    EXPECT_TRUE(torch::allclose(ts.forward({x, task}).toTensor(), pnn->forward(x), 1e-6, 1e-6)) << "task " << task;
  }
  EXPECT_TRUE(torch::allclose(ts.forward({x}).toTensor(), pnn->forward(x), 1e-6, 1e-6)) << "default: the newest";
}

}  // namespace
}  // namespace mnemo::model
