// Tests: PackNet (--model packnet) against hand-worked cases: which
//   weights a task's pruning frees and which it keeps (smallest |w| first,
//   ties by index, only in the task's own output rows), that SGD with
//   momentum and weight decay never moves another task's weights and never
//   changes an earlier task's outputs, the capacity check's closed form,
//   and the TorchScript export per task.
#include <gtest/gtest.h>

#include "model/packnet.h"
#include "model/torchscript.h"
#include "train/flat_parameters.h"
#include "train/optimizer.h"

namespace mnemo::model {
namespace {

std::shared_ptr<PackNetImpl> build(std::vector<std::int64_t> hidden, std::int64_t in, std::int64_t classes,
                                   std::vector<std::vector<std::int64_t>> task_classes, double prune = 0.5,
                                   double retrain = 0.25) {
  torch::manual_seed(3);
  ModelOptions o;
  o.name = "packnet";
  o.input_shape = {1, 1, in};
  o.hidden = std::move(hidden);
  o.num_classes = classes;
  o.task_classes = std::move(task_classes);
  o.packnet_prune = prune;
  o.packnet_retrain = retrain;
  auto net = std::dynamic_pointer_cast<PackNetImpl>(make_model(o));
  EXPECT_TRUE(net);
  return net;
}

std::vector<std::int64_t> values(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kInt64).contiguous().view(-1);
  return {c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel()};
}

TEST(PackNet, PruningFreesTheSmallestWeightsOfTheTaskAndKeepsTheRest) {
  // widths 2 -> 2 -> 2; task 0 owns output row 0 (class 0), task 1 row 1.
  auto net = build({2}, 2, 2, {{0}, {1}});
  net->grow_to_task(0);
  torch::NoGradGuard no_grad;
  auto params = net->named_parameters();
  params["layer0.weight"].copy_(torch::tensor({0.5f, -0.1f, 0.1f, 2.0f}).view({2, 2}));
  params["layer1.weight"].copy_(torch::tensor({-3.0f, 0.2f, 7.0f, 9.0f}).view({2, 2}));
  net->grow_to_task(0);  // the masks read the weights set above
  net->prune();
  // Layer 0: 4 free, floor(0.5 * 4) = 2 pruned: |-0.1| and |0.1| tie, both go (index order decides
  // only which is first). Layer 1: task 0 uses row 0 only: 2 free, 1 pruned (0.2); row 1 stays free.
  EXPECT_EQ(values(net->owners(0)), (std::vector<std::int64_t>{0, -1, -1, 0}));
  EXPECT_EQ(values(net->owners(1)), (std::vector<std::int64_t>{0, -1, -1, -1}));
  EXPECT_TRUE(torch::equal(params["layer0.weight"], torch::tensor({0.5f, 0.0f, 0.0f, 2.0f}).view({2, 2})));
  EXPECT_FLOAT_EQ(params["layer1.weight"][0][1].item<float>(), 0.0f);
  EXPECT_EQ(net->trained_elements(), 2 + 1 + 2 + 1)
      << "after the pruning task 0 retrains its 3 weights, the hidden biases and its output row's bias";
}

TEST(PackNet, TiesAreBrokenByIndexTheSameEveryTime) {
  auto net = build({4}, 4, 2, {{0, 1}});
  torch::NoGradGuard no_grad;
  net->named_parameters()["layer0.weight"].fill_(0.25f);  // 16 equal magnitudes
  net->grow_to_task(0);
  net->prune();
  // The first 8 by index are pruned.
  std::vector<std::int64_t> want(16, 0);
  std::fill(want.begin(), want.begin() + 8, -1);
  EXPECT_EQ(values(net->owners(0)), want);
}

TEST(PackNet, LaterTasksNeverMoveAnEarlierTasksWeightsOrOutputs) {
  auto net = build({16, 8}, 6, 4, {{0, 1}, {2, 3}});
  const torch::Tensor x = torch::rand({12, 1, 1, 6});
  const torch::Tensor y0 = torch::randint(0, 2, {12}), y1 = torch::randint(2, 4, {12});
  train::OptimizerOptions oo;
  oo.lr = 0.1;
  oo.momentum = 0.9;
  oo.weight_decay = 0.01;  // both would move a fixed weight that only got a zero gradient
  auto optimizer = train::make_optimizer(oo);
  auto train_task = [&](std::int64_t task, const torch::Tensor& y) {
    const bool biases_changed = net->grow_to_task(task);
    EXPECT_EQ(biases_changed, task == 1) << "biases stop training after task 0";
    net->use_task(task);
    train::FlatParameters flat(*net);
    optimizer->reset();
    const std::int64_t total = 8;
    for (std::int64_t step = 1; step <= total; ++step) {
      flat.zero_grad();
      torch::nn::functional::cross_entropy(net->forward(x), y).backward();
      optimizer->step(flat.values(), flat.grads(), oo.lr);
      net->after_optimizer_step(task, step, total);
    }
    EXPECT_EQ(net->prune_step(total), 6) << "retrain 0.25 of 8 steps: prune after step 6";
  };
  train_task(0, y0);
  net->use_task(0);
  const torch::Tensor outputs0 = net->forward(x).detach().clone();
  std::vector<torch::Tensor> weights0;
  for (const auto& p : net->parameters()) weights0.push_back(p.detach().clone());
  train_task(1, y1);
  net->use_task(0);
  EXPECT_TRUE(torch::equal(net->forward(x), outputs0)) << "task 0's function changed";
  std::size_t i = 0;
  std::int64_t moved = 0;
  for (const auto& p : net->named_parameters()) {
    const torch::Tensor& before = weights0[i++];
    if (p.key() == "layer2.bias") {  // rows 0 and 1 are task 0's, 2 and 3 task 1's
      EXPECT_TRUE(torch::equal(p.value().narrow(0, 0, 2), before.narrow(0, 0, 2))) << p.key();
      EXPECT_FALSE(torch::equal(p.value().narrow(0, 2, 2), before.narrow(0, 2, 2))) << "task 1's biases trained";
      continue;
    }
    if (p.key().find("bias") != std::string::npos) {
      EXPECT_TRUE(torch::equal(p.value(), before)) << p.key();
      continue;
    }
    const std::size_t layer = p.key()[5] - '0';
    const torch::Tensor mine = net->owners(layer).eq(0);
    EXPECT_TRUE(torch::equal(p.value().masked_select(mine), before.masked_select(mine))) << p.key();
    moved += p.value().ne(before).logical_and(net->owners(layer).eq(1)).sum().item<std::int64_t>();
  }
  EXPECT_GT(moved, 0) << "task 1 trained nothing";
  EXPECT_EQ(net->owners(2).narrow(0, 0, 2).eq(1).sum().item<std::int64_t>(), 0) << "task 1 took task 0's rows";
}

// Whatever the phase (training a task, retraining after its pruning, a
// later task), an optimizer step with a zero gradient and plain SGD moves
// nothing: the masks' bookkeeping alone never changes a weight.
TEST(PackNet, AZeroStepChangesNothingInAnyPhase) {
  auto net = build({8}, 6, 4, {{0, 1}, {2, 3}});
  auto snapshot = [&] {
    std::vector<torch::Tensor> v;
    for (const auto& p : net->parameters()) v.push_back(p.detach().clone());
    return v;
  };
  auto unchanged = [&](const std::vector<torch::Tensor>& before, const std::string& phase) {
    std::size_t i = 0;
    for (const auto& p : net->parameters()) EXPECT_TRUE(torch::equal(p, before[i++])) << phase;
  };
  net->grow_to_task(0);
  auto before = snapshot();
  net->after_optimizer_step(0, 1, 4);
  unchanged(before, "task 0, before its pruning");
  net->prune();
  before = snapshot();
  net->after_optimizer_step(0, 4, 4);
  unchanged(before, "task 0, retraining after its pruning");
  net->grow_to_task(1);
  before = snapshot();
  net->after_optimizer_step(1, 1, 4);
  unchanged(before, "task 1, before its pruning");
  net->prune();
  before = snapshot();
  net->after_optimizer_step(1, 4, 4);
  unchanged(before, "task 1, retraining after its pruning");
}

TEST(PackNet, CapacityCheckFollowsTheClosedForm) {
  // Hidden layer 6 -> 4: 24 weights; with p = 0.5: 24, 12, 6, 3, 1, 0 free at tasks 0..5 (the
  // 4 -> 8 output layer's 32 last longer).
  auto net = build({4}, 6, 8, {}, 0.5);
  EXPECT_EQ(net->capacity_problem(5), "");
  EXPECT_NE(net->capacity_problem(6).find("leaves layer 0 (24 weights) no free weight for task 5"), std::string::npos)
      << net->capacity_problem(6);
  // A 100 -> 10 output layer shared by 10 domain tasks: 1000, 500, ..., 3, 1 free: just enough.
  auto shared = build({100}, 6, 10, std::vector<std::vector<std::int64_t>>(10, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}), 0.5);
  EXPECT_EQ(shared->capacity_problem(10), "");
  auto none = build({4}, 6, 2, {}, 0.0);
  EXPECT_NE(none->capacity_problem(2).find("--packnet-prune 0"), std::string::npos) << none->capacity_problem(2);
  EXPECT_EQ(none->capacity_problem(1), "");
}

TEST(PackNet, TorchScriptExportAnswersEachTaskLikeTheNetwork) {
  auto net = build({8}, 6, 4, {{0, 1}, {2, 3}});
  const torch::Tensor x = torch::rand({5, 1, 1, 6});
  for (std::int64_t task : {0, 1}) {
    net->grow_to_task(task);
    torch::NoGradGuard no_grad;
    for (auto& p : net->parameters()) p.add_(torch::randn_like(p) * 0.1);  // "training"
    net->after_optimizer_step(task, 1, 1);                                   // restores fixed weights, prunes
  }
  net->eval();
  torch::jit::Module ts = to_torchscript(*net);
  for (std::int64_t task : {0, 1}) {
    net->use_task(task);
    EXPECT_TRUE(torch::equal(ts.forward({x, task}).toTensor(), net->forward(x))) << "task " << task;
  }
}

}  // namespace
}  // namespace mnemo::model
