// Tests: flat buffers alias the parameters and gradients; FlatSgd matches
//   torch::optim::SGD step for step.
#include <gtest/gtest.h>

#include "model/model.h"
#include "train/flat_parameters.h"
#include "train/flat_sgd.h"

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

TEST(FlatSgd, MatchesTorchSgdWithMomentumAndWeightDecay) {
  auto ref = make_mlp(3), mine = make_mlp(3);
  torch::optim::SGD opt(ref->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9).weight_decay(1e-3));
  FlatParameters flat(*mine);
  FlatSgd sgd({0.05, 0.9, 1e-3});
  torch::manual_seed(4);
  for (int step = 0; step < 5; ++step) {
    const auto x = torch::rand({6, 1, 4, 4});
    const auto y = torch::randint(0, 5, {6}, torch::kInt64);
    opt.zero_grad();
    loss_of(*ref, x, y).backward();
    opt.step();
    flat.zero_grad();
    loss_of(*mine, x, y).backward();
    flat.bind_grads();
    sgd.step(flat.values(), flat.grads());
  }
  std::vector<torch::Tensor> ref_params;
  for (auto& p : ref->parameters()) ref_params.push_back(p.detach().flatten());
  EXPECT_TRUE(torch::allclose(torch::cat(ref_params), flat.values(), 1e-5, 1e-6));
}

}  // namespace
}  // namespace mnemo::train
