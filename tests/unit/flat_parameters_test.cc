// Tests: flat buffers alias the parameters and gradients; every flat
//   optimizer matches its torch::optim twin step for step; LR schedules.
#include <gtest/gtest.h>

#include "model/model.h"
#include "train/flat_parameters.h"
#include "core/error.h"
#include "core/half.h"
#include "train/optimizer.h"

namespace mnemo::train {
namespace {

model::Model make_mlp(std::uint64_t seed) {
  torch::manual_seed(seed);
  model::ModelOptions o;
  o.input_shape = {1, 4, 4};
  o.num_classes = 5;
  o.hidden = {7, 6};
  return model::make_model(o);
}

torch::Tensor loss_of(model::ModelImpl& m, const torch::Tensor& x, const torch::Tensor& y) {
  return torch::nn::functional::cross_entropy(m.forward(x), y);
}

TEST(FlatParameters, GradientsLandInTheFlatBuffer) {
  auto plain = make_mlp(1), flat_model = make_mlp(1);
  FlatParameters flat(*flat_model);
  EXPECT_EQ(flat.numel(), 16 * 7 + 7 + 7 * 6 + 6 + 6 * 5 + 5);
  torch::manual_seed(9);
  const auto x = torch::rand({8, 1, 4, 4});
  const auto y = torch::randint(0, 5, {8}, torch::kInt64);
  for (int step = 0; step < 2; ++step) {  // twice: accumulation must stay in place
    flat.zero_grad();
    plain->zero_grad();
    loss_of(*plain, x, y).backward();
    loss_of(*flat_model, x, y).backward();
    flat.bind_grads();
    std::vector<torch::Tensor> ref;
    for (auto& p : plain->parameters()) ref.push_back(p.grad().flatten());
    EXPECT_TRUE(torch::allclose(torch::cat(ref), flat.grads(), 1e-6, 1e-7));
  }
  // Parameters are views: writing the flat buffer changes the model.
  flat.values().zero_();
  for (auto& p : flat_model->parameters()) EXPECT_EQ(p.abs().sum().item<float>(), 0.0f);
}

TEST(FlatParameters, SignatureDependsOnArchitecture) {
  auto a = make_mlp(1), b = make_mlp(2);
  model::ModelOptions o;
  o.input_shape = {1, 4, 4};
  o.num_classes = 5;
  o.hidden = {7};
  auto c = model::make_model(o);
  EXPECT_EQ(FlatParameters(*a).signature(), FlatParameters(*b).signature());
  EXPECT_NE(FlatParameters(*a).signature(), FlatParameters(*c).signature());
}

// Runs 6 steps with a torch::optim optimizer and with the flat one; the
// parameters must agree.
template <class TorchOpt, class TorchOptions>
void expect_same_trajectory(const TorchOptions& torch_options, const OptimizerOptions& mine_options,
                            double tolerance = 1e-5) {
  auto ref = make_mlp(3), mine = make_mlp(3);
  TorchOpt opt(ref->parameters(), torch_options);
  FlatParameters flat(*mine);
  auto flat_opt = make_optimizer(mine_options);
  torch::manual_seed(4);
  for (int step = 0; step < 6; ++step) {
    const auto x = torch::rand({6, 1, 4, 4});
    const auto y = torch::randint(0, 5, {6}, torch::kInt64);
    opt.zero_grad();
    loss_of(*ref, x, y).backward();
    opt.step();
    flat.zero_grad();
    loss_of(*mine, x, y).backward();
    flat.bind_grads();
    flat_opt->step(flat.values(), flat.grads(), mine_options.lr);
  }
  std::vector<torch::Tensor> ref_params;
  for (auto& p : ref->parameters()) ref_params.push_back(p.detach().flatten());
  const double diff = (torch::cat(ref_params) - flat.values()).abs().max().item<double>();
  EXPECT_LT(diff, tolerance) << "optimizer " << static_cast<int>(mine_options.name);
  // And the optimizer moved the parameters at all.
  auto fresh = make_mlp(3);
  FlatParameters fresh_flat(*fresh);
  EXPECT_GT((fresh_flat.values() - flat.values()).abs().max().item<double>(), 1e-3);
}

OptimizerOptions opts(OptimizerKind name, double lr, double momentum, double wd) {
  OptimizerOptions o;
  o.name = name;
  o.lr = lr;
  o.momentum = momentum;
  o.weight_decay = wd;
  return o;
}

TEST(FlatOptimizer, SgdMatchesTorchWithMomentumAndWeightDecay) {
  expect_same_trajectory<torch::optim::SGD>(torch::optim::SGDOptions(0.05).momentum(0.9).weight_decay(1e-3),
                                            opts(OptimizerKind::kSgd, 0.05, 0.9, 1e-3));
}

TEST(FlatOptimizer, AdamMatchesTorch) {
  expect_same_trajectory<torch::optim::Adam>(torch::optim::AdamOptions(0.01).weight_decay(1e-3),
                                             opts(OptimizerKind::kAdam, 0.01, 0, 1e-3));
}

TEST(FlatOptimizer, AdagradMatchesTorch) {
  expect_same_trajectory<torch::optim::Adagrad>(torch::optim::AdagradOptions(0.05), opts(OptimizerKind::kAdagrad, 0.05, 0, 0));
}

TEST(FlatOptimizer, RmspropMatchesTorchWithMomentum) {
  expect_same_trajectory<torch::optim::RMSprop>(torch::optim::RMSpropOptions(0.01).momentum(0.5),
                                                opts(OptimizerKind::kRmsprop, 0.01, 0.5, 0));
}

TEST(FlatOptimizer, Schedules) {
  OptimizerOptions o = opts(OptimizerKind::kSgd, 0.1, 0, 0);
  EXPECT_DOUBLE_EQ(scheduled_lr(o, 3, 7, 10, 5), 0.1);
  o.schedule = LrSchedule::kStep;
  o.milestones = {2, 4};
  o.gamma = 0.5;
  EXPECT_DOUBLE_EQ(scheduled_lr(o, 1, 9, 10, 5), 0.1);
  EXPECT_DOUBLE_EQ(scheduled_lr(o, 2, 0, 10, 5), 0.05);
  EXPECT_DOUBLE_EQ(scheduled_lr(o, 4, 0, 10, 5), 0.025);
  o.schedule = LrSchedule::kCosine;
  EXPECT_DOUBLE_EQ(scheduled_lr(o, 0, 0, 10, 2), 0.1);
  EXPECT_NEAR(scheduled_lr(o, 1, 0, 10, 2), 0.05, 1e-12);  // half-way: cos(pi/2) = 0
  EXPECT_NEAR(scheduled_lr(o, 1, 9, 10, 2), 0.1 * 0.5 * (1 + std::cos(M_PI * 19 / 20)), 1e-12);
}

// The hand-written 16-bit conversions (used by MPI's 16-bit sums) agree
// with LibTorch's on ordinary, tiny (subnormal), huge and halfway values.
TEST(HalfConversion, MatchesTorch) {
  torch::manual_seed(0);
  auto x = torch::cat({torch::randn({20000}) * 3, torch::randn({2000}) * 1e-6, torch::randn({200}) * 7e4,
                       torch::tensor({0.0f, -0.0f, 1.0f + 1.0f / 2048, 65504.0f, 65520.0f, 1e-8f})});
  const auto half = x.to(torch::kFloat16), bf = x.to(torch::kBFloat16);
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const float v = x[i].item<float>();
    const auto h = float_to_half(v);
    ASSERT_EQ(h, *reinterpret_cast<const std::uint16_t*>(half[i].data_ptr())) << "fp16 of " << v;
    ASSERT_EQ(half_to_float(h), half[i].item<float>());
    const auto b = float_to_bf16(v);
    ASSERT_EQ(b, *reinterpret_cast<const std::uint16_t*>(bf[i].data_ptr())) << "bf16 of " << v;
    ASSERT_EQ(bf16_to_float(b), bf[i].item<float>());
  }
}

TEST(FlatOptimizer, UnknownNameIsAUsageErrorAtTheEdge) {
  OptimizerOptions o;
  OptionTable table;
  o.declare(table);
  EXPECT_THROW(table.find("optimizer")->set_text("lbfgs"), UsageError);
  table.find("optimizer")->set_text("adam");
  EXPECT_TRUE(o.name == OptimizerKind::kAdam);
}

}  // namespace
}  // namespace mnemo::train
