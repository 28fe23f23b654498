// Tests: the growing head (--growing-head) against hand-worked cases: the
//   blocks each task adds and the parameter count, each class's logit at
//   its id and -inf for classes not yet brought, old outputs unchanged by
//   growth, new blocks drawn from the seed alone, and the TorchScript
//   export equal to the network; the headless bodies of cnn and resnet18.
#include <gtest/gtest.h>

#include "core/error.h"
#include "model/growing_head.h"
#include "model/torchscript.h"
#include "train/flat_parameters.h"

namespace mnemo::model {
namespace {

ModelOptions options(const std::string& name, std::vector<std::int64_t> shape, std::int64_t classes,
                     std::vector<std::vector<std::int64_t>> task_classes) {
  ModelOptions o;
  o.name = name;
  o.input_shape = std::move(shape);
  o.num_classes = classes;
  o.hidden = {8};
  o.task_classes = std::move(task_classes);
  o.growing_head = true;
  return o;
}

std::int64_t count(const torch::nn::Module& m) {
  std::int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

TEST(GrowingHead, EachTaskAddsABlockForItsNewClassesOnly) {
  torch::manual_seed(1);
  auto net = make_model(options("mlp", {1, 1, 6}, 5, {{3, 1}, {0, 2}, {1, 4}, {0, 3}}));
  const std::int64_t body = 6 * 8 + 8;  // 6 -> 8, ReLU; the head's input D = 8
  auto head = [](std::int64_t classes) { return 8 * classes + classes; };
  EXPECT_EQ(count(*net), body + head(2)) << "task 0's classes 3 and 1";
  EXPECT_TRUE(net->grow_to_task(1));
  EXPECT_EQ(count(*net), body + head(4));
  EXPECT_TRUE(net->grow_to_task(2));
  EXPECT_EQ(count(*net), body + head(5)) << "task 2 brings class 4 only (1 is known)";
  EXPECT_FALSE(net->grow_to_task(3)) << "task 3 brings no class";
  EXPECT_FALSE(net->grow_to_task(2)) << "idempotent";
  EXPECT_EQ(train::FlatParameters(*net).numel(), body + head(5)) << "every parameter trains (class-IL)";
}

TEST(GrowingHead, LogitsSitAtTheClassIdsAndAbsentClassesAreMinusInfinity) {
  torch::manual_seed(1);
  auto net = make_model(options("mlp", {1, 1, 6}, 5, {{3, 1}, {0, 2}}));
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::rand({4, 1, 1, 6});
  const torch::Tensor f = net->features(x);
  torch::Tensor y = net->forward(x);
  auto block0 = net->named_children()[1].value()->as<torch::nn::Linear>();  // children: body, head0
  ASSERT_NE(block0, nullptr);
  const torch::Tensor b0 = block0->forward(f);
  EXPECT_TRUE(torch::equal(y.select(1, 3), b0.select(1, 0))) << "class 3 is block 0's first output";
  EXPECT_TRUE(torch::equal(y.select(1, 1), b0.select(1, 1)));
  for (std::int64_t c : {0, 2, 4}) EXPECT_TRUE(y.select(1, c).isinf().all().item<bool>()) << "class " << c;
  EXPECT_TRUE(y.argmax(1).eq(3).logical_or(y.argmax(1).eq(1)).all().item<bool>());
  net->grow_to_task(1);
  const torch::Tensor z = net->forward(x);
  EXPECT_TRUE(torch::equal(z.select(1, 3), y.select(1, 3)) && torch::equal(z.select(1, 1), y.select(1, 1)))
      << "old outputs keep their weights";
  EXPECT_TRUE(torch::isfinite(z.index_select(1, torch::tensor({0, 1, 2, 3}))).all().item<bool>());
  EXPECT_TRUE(z.select(1, 4).isinf().all().item<bool>());
}

TEST(GrowingHead, ANewBlockDependsOnTheSeedNotOnTheRngsState) {
  torch::manual_seed(1);
  auto a = make_model(options("mlp", {1, 1, 6}, 4, {{0, 1}, {2, 3}}));
  torch::manual_seed(1);
  auto b = make_model(options("mlp", {1, 1, 6}, 4, {{0, 1}, {2, 3}}));
  torch::rand({777});
  a->grow_to_task(1);
  b->grow_to_task(1);
  EXPECT_EQ(train::parameter_fingerprint(*a), train::parameter_fingerprint(*b));
}

TEST(GrowingHead, TorchScriptExportIsTheNetworkForEveryBody) {
  for (const auto& [name, shape] : std::vector<std::pair<std::string, std::vector<std::int64_t>>>{
           {"mlp", {1, 4, 4}}, {"cnn", {1, 8, 8}}, {"resnet18", {3, 8, 8}}}) {
    torch::manual_seed(2);
    auto net = make_model(options(name, shape, 4, {{2}, {0, 3}}));
    net->grow_to_task(1);
    net->eval();
    torch::jit::Module ts = to_torchscript(*net);
    std::vector<std::int64_t> in = {3};
    in.insert(in.end(), shape.begin(), shape.end());
    const torch::Tensor x = torch::rand(in);
    torch::NoGradGuard no_grad;
    const torch::Tensor want = net->forward(x), got = ts.forward({x}).toTensor();
    EXPECT_TRUE(torch::allclose(got.index_select(1, torch::tensor({0, 2, 3})),
                                want.index_select(1, torch::tensor({0, 2, 3})), 1e-5, 1e-5))
        << name;
    EXPECT_TRUE(got.select(1, 1).isinf().all().item<bool>()) << name << ": class 1 is absent";
  }
}

TEST(GrowingHead, RefusedForModelsWithAHeadPerTask) {
  EXPECT_THROW(make_model(options("pnn", {1, 1, 6}, 4, {{0, 1}, {2, 3}})), UsageError);
}

}  // namespace
}  // namespace mnemo::model
