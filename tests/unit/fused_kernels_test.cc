// Tests: the hand-fused training kernels (model/fused_mlp, the fused
//   softmax cross-entropy) give what LibTorch's autograd composition gives:
//   the same logits, loss values and gradients (parameters, input) for
//   batch sizes that do and do not split the first layer's GEMM into row
//   blocks, several forwards in one loss, frozen layers, gradients reaching
//   the parameters by another path, and head masks; DER's squared error
//   likewise; and the flat gradient buffer receives them in place.
#include <gtest/gtest.h>

#include <limits>

#include "model/model.h"
#include "strategies/fused_losses.h"
#include "strategies/loss_terms.h"
#include "strategies/strategy.h"
#include "train/flat_parameters.h"

namespace mnemo {
namespace {

namespace F = torch::nn::functional;

model::Model mlp(bool fused, std::vector<std::int64_t> hidden = {100, 100}) {
  model::ModelOptions o;
  o.input_shape = {1, 28, 28};
  o.num_classes = 10;
  o.hidden = std::move(hidden);
  o.kernels = fused ? model::Kernels::kFused : model::Kernels::kAutograd;
  return model::make_model(o);
}

// A fused and a plain MLP with the same values.
std::pair<model::Model, model::Model> twins(std::vector<std::int64_t> hidden = {100, 100}) {
  torch::manual_seed(7);
  model::Model fused = mlp(true, hidden), plain = mlp(false, hidden);
  torch::NoGradGuard no_grad;
  auto a = fused->parameters(), b = plain->parameters();
  for (std::size_t i = 0; i < a.size(); ++i) b[i].copy_(a[i]);
  return {fused, plain};
}

torch::Tensor summed_ce(const torch::Tensor& logits, const torch::Tensor& y) {
  return F::cross_entropy(logits, y, F::CrossEntropyFuncOptions().reduction(torch::kSum));
}

void expect_close(const torch::Tensor& a, const torch::Tensor& b, const std::string& what) {
  ASSERT_TRUE(a.defined()) << what;
  ASSERT_TRUE(b.defined()) << what;
  EXPECT_TRUE(torch::allclose(a, b, /*rtol=*/1e-4, /*atol=*/1e-5))
      << what << ": max |diff| " << (a - b).abs().max().item<float>();
}

void expect_same_grads(const model::Model& a, const model::Model& b) {
  auto pa = a->named_parameters(), pb = b->named_parameters();
  for (const auto& item : pa) expect_close(item.value().grad(), pb[item.key()].grad(), item.key());
}

TEST(FusedMlp, LogitsAndGradientsMatchAutogradAtEveryBatchSize) {
  // 784 * 100 inputs x outputs: rows go in blocks of at most 12, so 20, 40
  // and 130 take the blocked path and 1 and 7 the single GEMM.
  for (std::int64_t n : {1, 7, 20, 40, 130}) {
    auto [fused, plain] = twins();
    const torch::Tensor x = torch::rand({n, 1, 28, 28});
    const torch::Tensor y = torch::randint(0, 10, {n}, torch::kInt64);
    const torch::Tensor zf = fused->forward(x), zp = plain->forward(x);
    ASSERT_TRUE(zf.grad_fn() != nullptr);
    expect_close(zf, zp, "logits at batch " + std::to_string(n));
    (summed_ce(zf, y) / n).backward();
    (summed_ce(zp, y) / n).backward();
    expect_same_grads(fused, plain);
  }
}

TEST(FusedMlp, SeveralForwardsAndOtherPathsAccumulate) {
  // DER-like: CE on one batch + MSE of another batch's logits, plus a
  // penalty on the weights themselves (as EWC adds), in one backward.
  auto [fused, plain] = twins({64, 32});
  const torch::Tensor x1 = torch::rand({10, 1, 28, 28}), x2 = torch::rand({6, 1, 28, 28});
  const torch::Tensor y1 = torch::randint(0, 10, {10}, torch::kInt64), target = torch::randn({6, 10});
  for (auto* m : {&fused, &plain}) {
    torch::Tensor loss = summed_ce((*m)->forward(x1), y1) / 10 +
                         0.3 * ((*m)->forward(x2) - target).pow(2).mean(1).sum() / 6;
    for (const auto& p : (*m)->parameters()) loss = loss + 0.01 * p.pow(2).sum();
    loss.backward();
  }
  expect_same_grads(fused, plain);
}

TEST(FusedMlp, InputGradientAndFrozenLayers) {
  auto [fused, plain] = twins();
  for (auto* m : {&fused, &plain}) (*m)->parameters()[0].requires_grad_(false);  // freeze the first weight
  const torch::Tensor x = torch::rand({20, 1, 28, 28});
  const torch::Tensor y = torch::randint(0, 10, {20}, torch::kInt64);
  torch::Tensor xf = x.clone().requires_grad_(true), xp = x.clone().requires_grad_(true);
  summed_ce(fused->forward(xf), y).backward();
  summed_ce(plain->forward(xp), y).backward();
  expect_close(xf.grad(), xp.grad(), "input gradient");
  EXPECT_FALSE(fused->parameters()[0].grad().defined());
  auto pf = fused->parameters(), pp = plain->parameters();
  for (std::size_t i = 1; i < pf.size(); ++i) expect_close(pf[i].grad(), pp[i].grad(), "parameter " + std::to_string(i));
}

TEST(FusedMlp, WithoutGradModeItIsThePlainForward) {
  auto [fused, plain] = twins();
  const torch::Tensor x = torch::rand({30, 1, 28, 28});
  torch::NoGradGuard no_grad;
  const torch::Tensor z = fused->forward(x);
  EXPECT_TRUE(z.grad_fn() == nullptr);
  EXPECT_TRUE(torch::equal(z, plain->forward(x)));
}

TEST(FusedMlp, GradientsLandInTheFlatBufferInPlace) {
  auto [fused, plain] = twins();
  train::FlatParameters flat(*fused);
  const torch::Tensor x = torch::rand({20, 1, 28, 28});
  const torch::Tensor y = torch::randint(0, 10, {20}, torch::kInt64);
  flat.zero_grad();
  summed_ce(fused->forward(x), y).backward();
  summed_ce(plain->forward(x), y).backward();
  EXPECT_FALSE(flat.bind_grads()) << "the fused backward replaced a gradient view";
  std::vector<torch::Tensor> expected;
  for (const auto& p : plain->parameters()) expected.push_back(p.grad().flatten());
  expect_close(flat.grads(), torch::cat(expected), "flat gradient buffer");
}

TEST(FusedCrossEntropy, MatchesLibTorchWithAndWithoutHeadMasks) {
  const torch::Tensor mask = strategies::make_head_mask({{0, 1, 2}, {3, 4}, {5, 6, 7, 8, 9}}, 10);
  for (bool masked : {false, true}) {
    for (float spread : {1.0f, 1000.0f}) {  // 1000: exp would overflow without the max shift
      const torch::Tensor base = spread * torch::randn({13, 10});
      const torch::Tensor y = torch::randint(0, 10, {13}, torch::kInt64);
      const torch::Tensor m = masked ? mask : torch::Tensor();
      torch::Tensor a = base.clone().requires_grad_(true), b = base.clone().requires_grad_(true);
      const torch::Tensor fused = strategies::softmax_cross_entropy_sum(a, y, m);
      const torch::Tensor reference = summed_ce(masked ? b + mask.index_select(0, y) : b, y);
      const std::string what = std::string(masked ? "masked" : "plain") + " spread " + std::to_string(spread);
      expect_close(fused, reference, what + " loss");
      (2.5 * fused).backward();
      (2.5 * reference).backward();
      expect_close(a.grad(), b.grad(), what + " gradient");
      if (masked) {  // no gradient reaches another task's logits
        const torch::Tensor outside = mask.index_select(0, y).isinf();
        EXPECT_EQ(a.grad().masked_select(outside).abs().sum().item<float>(), 0.0f);
      }
    }
  }
}

TEST(FusedSquaredError, MatchesTheLibTorchComposition) {
  const torch::Tensor base = torch::randn({9, 10}), target = torch::randn({9, 10});
  torch::Tensor a = base.clone().requires_grad_(true), b = base.clone().requires_grad_(true);
  const torch::Tensor fused = strategies::squared_error_sum(a, target);
  const torch::Tensor reference = (b - target).pow(2).mean(1).sum();
  expect_close(fused, reference, "squared error");
  (0.3 * fused).backward();
  (0.3 * reference).backward();
  expect_close(a.grad(), b.grad(), "squared error gradient");
}

}  // namespace
}  // namespace mnemo
