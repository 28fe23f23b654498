// Tests: the strategies' defining invariants, against closed forms.
//   A-GEM: the projected gradient has a non-negative dot product with the
//   reference; EWC: the penalty is zero at the anchor and its gradient is
//   2 lambda F (theta - theta*); LwF: distillation is zero when student ==
//   teacher; SI: Omega = omega / (delta^2 + xi) for a hand-made update;
//   DER/DER++: logits stored with the samples, one term per loss part, one
//   forward pass over the batches equal to one pass each.
#include <gtest/gtest.h>

#include "strategies/agem.h"
#include "strategies/loss_terms.h"
#include "strategies/dark_experience_replay.h"
#include "strategies/ewc.h"
#include "strategies/icarl.h"
#include "strategies/lwf.h"
#include "strategies/si.h"
#include "train/flat_parameters.h"

namespace mnemo::strategies {
namespace {

// A context whose services act on a real model's flat buffers, on one process.
struct Fixture {
  StrategyContext c;
  std::unique_ptr<train::FlatParameters> flat;
  Fixture() {
    torch::manual_seed(0);
    model::ModelOptions o;
    o.input_shape = {1, 2, 2};
    o.num_classes = 4;
    o.hidden = {5};
    c.model = model::make_model(o);
    c.num_classes = 4;
    c.image_shape = {1, 2, 2};
    c.num_tasks = 2;
    c.task_classes = {{0, 1}, {2, 3}};
    flat = std::make_unique<train::FlatParameters>(*c.model);
    c.services.parameters = [this] { return flat->values(); };
    c.services.gradient = [this] { return flat->grads(); };
    c.services.allreduce_sum = [](torch::Tensor&) {};
    c.services.allgather_rows = [](const torch::Tensor& rows) { return rows; };
    c.services.global_mean = [](torch::Tensor& sum, std::int64_t count) {
      if (count > 0) sum.div_(static_cast<double>(count));
      return count;
    };
    c.services.synced_gradient = [this](const std::vector<LossTerm>& terms) {
      flat->zero_grad();
      for (const auto& t : terms) (t.sum * (t.weight / t.count)).backward();
    };
    c.services.clone_model = [this] {
      model::ModelOptions o;
      o.input_shape = {1, 2, 2};
      o.num_classes = 4;
      o.hidden = {5};
      auto copy = model::make_model(o);
      torch::NoGradGuard g;
      auto src = c.model->parameters(), dst = copy->parameters();
      for (std::size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
      return copy;
    };
  }
};

Batch batch_of(std::int64_t n, std::int64_t first_label, std::int64_t task = 0) {
  Batch b;
  b.images = (torch::arange(n * 4, torch::kInt64) * 37).remainder(256).to(torch::kUInt8).view({n, 1, 2, 2});
  b.x = model::to_input(b.images, torch::kCPU);
  b.y = torch::arange(first_label, first_label + n, torch::kInt64).remainder(4);
  b.task = task;
  return b;
}

TEST(Agem, ProjectionRemovesTheConflict) {
  const auto g_ref = torch::tensor({1.0f, 0.0f, 1.0f});
  const auto g = torch::tensor({-2.0f, 1.0f, 0.5f});  // dot = -1.5 < 0
  const auto p = Agem::project(g, g_ref);
  EXPECT_GE(torch::dot(p, g_ref).item<float>(), -1e-6);
  EXPECT_NEAR(torch::dot(p, g_ref).item<float>(), 0.0f, 1e-6);
  // Closed form: g - (-1.5 / 2) g_ref.
  EXPECT_TRUE(torch::allclose(p, torch::tensor({-1.25f, 1.0f, 1.25f})));
  const auto agree = torch::tensor({2.0f, 1.0f, 0.0f});  // dot > 0: untouched
  EXPECT_TRUE(torch::equal(Agem::project(agree, g_ref), agree));
}

TEST(Agem, ProjectedTrainingGradientAgreesWithTheMemory) {
  Fixture f;
  StrategyOptions o;
  o.replay_capacity = 8;
  o.replay_batch = 4;
  Agem agem(o, f.c);
  agem.before_task(0);
  agem.after_step(batch_of(4, 0));  // memory: task 0 samples
  agem.before_task(1);
  const Batch b = batch_of(4, 2, 1);
  f.c.services.synced_gradient(agem.loss(b));
  agem.after_sync();
  const torch::Tensor projected = f.flat->grads().clone();
  // The reference gradient of the memory, recomputed: the whole 4-sample memory.
  const Batch mem = batch_of(4, 0);
  f.c.services.synced_gradient({cross_entropy_term(*f.c.model, mem.x, mem.y)});
  EXPECT_GE(torch::dot(projected, f.flat->grads()).item<double>(), -1e-5);
}

TEST(Ewc, PenaltyIsZeroAtTheAnchorAndItsGradientIsClosedForm) {
  Fixture f;
  StrategyOptions o;
  o.params<EwcOptions>().lambda = 3.0;
  Ewc ewc(o, f.c);
  const Batch b = batch_of(4, 0);
  TaskSamples samples;
  samples.count = b.size();
  samples.read = [&](std::int64_t begin, std::int64_t end) {
    return std::make_pair(b.images.slice(0, begin, end), b.y.slice(0, begin, end));
  };
  ewc.after_task(samples);
  ASSERT_TRUE(ewc.fisher().defined());
  EXPECT_GT(ewc.fisher().sum().item<double>(), 0.0);
  const torch::Tensor anchor = f.flat->values().clone();
  EXPECT_EQ(ewc.penalty(anchor), 0.0);
  f.flat->grads().zero_();
  ewc.after_sync();
  EXPECT_EQ(f.flat->grads().abs().max().item<double>(), 0.0);  // no pull at the anchor
  f.flat->values().add_(0.1);
  f.flat->grads().zero_();
  ewc.after_sync();
  EXPECT_TRUE(torch::allclose(f.flat->grads(), 2 * 3.0 * ewc.fisher() * 0.1, 1e-5, 1e-7));
  EXPECT_NEAR(ewc.penalty(f.flat->values()), 3.0 * 0.01 * ewc.fisher().sum().item<double>(), 1e-6);
}

TEST(Lwf, DistillationIsZeroWhenStudentEqualsTeacher) {
  torch::manual_seed(1);
  const auto logits = torch::randn({5, 3});
  EXPECT_NEAR(Lwf::distillation(logits, logits, 2.0).item<double>(), 0.0, 1e-6);
  EXPECT_GT(Lwf::distillation(logits, torch::randn({5, 3}), 2.0).item<double>(), 1e-3);
}

TEST(Lwf, SecondTaskAddsADistillationTermThatStartsAtZero) {
  Fixture f;
  Lwf lwf(StrategyOptions{}, f.c);
  lwf.before_task(0);
  EXPECT_EQ(lwf.loss(batch_of(2, 2)).size(), 1u);
  lwf.before_task(1);  // teacher = the current model
  const auto terms = lwf.loss(batch_of(2, 2));
  ASSERT_EQ(terms.size(), 2u);
  EXPECT_NEAR(terms[1].sum.item<double>(), 0.0, 1e-6);
}

TEST(Si, ImportanceMatchesAHandMadeUpdate) {
  Fixture f;
  StrategyOptions o;
  o.params<SiOptions>().xi = 0.5;
  Si si(o, f.c);
  si.before_task(0);
  const torch::Tensor g = torch::linspace(-1, 1, f.flat->numel());
  f.flat->grads().copy_(g);
  si.after_sync();                     // records g
  f.flat->values().add_(g, -0.1);      // an SGD step, lr 0.1
  si.after_step(Batch{});
  si.after_task({});
  // omega = -g * (-0.1 g) = 0.1 g^2; Omega = omega / ((0.1 g)^2 + xi)
  const torch::Tensor want = 0.1 * g.pow(2) / ((0.1 * g).pow(2) + 0.5);
  EXPECT_TRUE(torch::allclose(si.importance(), want, 1e-5, 1e-7));
}

TEST(Der, StoresLogitsAndReturnsOneTermPerPart) {
  Fixture f;
  StrategyOptions o;
  o.replay_capacity = 8;
  o.replay_batch = 2;
  DarkExperienceReplay der(o, f.c, false), derpp(o, f.c, true);
  const Batch b = batch_of(3, 0);
  EXPECT_EQ(der.loss(b).size(), 2u);
  der.after_sync();  // stores the batch of the last loss()
  const auto terms = der.loss(b);
  ASSERT_EQ(terms.size(), 2u);
  EXPECT_EQ(terms[1].count, 2);
  // Nothing changed the model: stored logits equal fresh ones, so the MSE is 0.
  EXPECT_NEAR(terms[1].sum.item<double>(), 0.0, 1e-10);
  derpp.loss(b);
  derpp.after_sync();
  EXPECT_EQ(derpp.loss(b).size(), 3u);
}

// The same model seen as one whose samples are coupled (as with BatchNorm):
// DER then runs one forward pass per batch.
struct CoupledView : model::ModelImpl {
  model::Model inner;
  explicit CoupledView(model::Model m) : inner(register_module("inner", std::move(m))) {}
  torch::Tensor forward(torch::Tensor x) override { return inner->forward(x); }
  bool samples_independent() const override { return false; }
};

TEST(Der, OneForwardOverTheBatchesEqualsOneForwardEach) {
  Fixture f;
  StrategyContext coupled = f.c;
  coupled.model = std::make_shared<CoupledView>(f.c.model);
  StrategyOptions o;
  o.replay_capacity = 8;
  o.replay_batch = 3;
  DarkExperienceReplay merged(o, f.c, true), separate(o, coupled, true);
  auto varied = [](std::int64_t step) {  // other images at every step, so every slot differs
    Batch b = batch_of(3, step);
    b.images = (torch::arange(12, torch::kInt64) * 37 + step * 11).remainder(256).to(torch::kUInt8).view({3, 1, 2, 2});
    b.x = model::to_input(b.images, torch::kCPU);
    return b;
  };
  for (std::int64_t step = 0; step < 4; ++step) {  // fill both buffers alike
    merged.loss(varied(step));
    merged.after_sync();
    separate.loss(varied(step));
    separate.after_sync();
  }
  torch::nn::init::normal_(f.c.model->parameters()[0]);  // stored logits now differ from fresh ones
  const Batch b = varied(5);
  const auto a = merged.loss(b), s = separate.loss(b);
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(s.size(), 3u);
  torch::Tensor la = torch::zeros({}), ls = torch::zeros({});
  for (std::size_t k = 0; k < 3; ++k) {
    ASSERT_EQ(a[k].count, s[k].count) << k;
    EXPECT_GT(a[k].count, 0) << k;
    EXPECT_NEAR(a[k].sum.item<double>(), s[k].sum.item<double>(), 1e-5 * (1 + std::abs(s[k].sum.item<double>())))
        << "term " << k;
    la = la + a[k].sum * a[k].weight;
    ls = ls + s[k].sum * s[k].weight;
  }
  EXPECT_GT(a[1].sum.item<double>(), 1e-6);  // the distillation term is not trivially zero
  f.flat->zero_grad();
  la.backward();
  const torch::Tensor ga = f.flat->grads().clone();
  f.flat->zero_grad();
  ls.backward();
  EXPECT_GT(ga.abs().sum().item<double>(), 0.0);
  EXPECT_TRUE(torch::allclose(ga, f.flat->grads(), 1e-4, 1e-6));
}

TEST(Icarl, HerdingFollowsTheClassMeanByHand) {
  // Mean (0.6, 0.6). k=1: rows 2 and 3 are nearest (0.2), the first wins;
  // k=2: (row2 + row3)/2 = (0.7, 0.7) is nearest; k=3: rows 0 and 1 tie (0.24).
  const torch::Tensor f = torch::tensor({1.0f, 0.0f, 0.0f, 1.0f, 0.6f, 0.8f, 0.8f, 0.6f}).view({4, 2});
  EXPECT_EQ(Icarl::herd(f, 3), (std::vector<std::int64_t>{2, 3, 0}));
  EXPECT_EQ(Icarl::herd(f, 10).size(), 4u);  // at most every row, each once
}

}  // namespace
}  // namespace mnemo::strategies
