// Tests: strategy loss terms (sums and counts), ER's replay mixing and
//   buffer fill, and the registry's errors.
#include <gtest/gtest.h>

#include "core/error.h"
#include "strategies/experience_replay.h"
#include "strategies/loss_terms.h"
#include "strategies/strategy.h"

namespace mnemo::strategies {
namespace {

StrategyOptions options_of(const std::string& name, std::int64_t replay_capacity, std::int64_t replay_batch) {
  StrategyOptions o;
  o.name = name;
  o.replay_capacity = replay_capacity;
  o.replay_batch = replay_batch;
  return o;
}

StrategyContext context() {
  torch::manual_seed(0);
  model::ModelOptions o;
  o.input_shape = {1, 2, 2};
  o.num_classes = 4;
  o.hidden = {5};
  StrategyContext c;
  c.model = model::make_model(o);
  c.num_classes = 4;
  c.image_shape = {1, 2, 2};
  return c;
}

Batch batch_of(std::int64_t n, std::int64_t first_label) {
  Batch b;
  b.images = torch::arange(n * 4, torch::kInt64).remainder(256).to(torch::kUInt8).view({n, 1, 2, 2});
  b.x = model::to_input(b.images, torch::kCPU);
  b.y = torch::arange(first_label, first_label + n, torch::kInt64).remainder(4);
  return b;
}

TEST(Strategy, FinetuneTermIsTheSummedCrossEntropy) {
  const auto c = context();
  auto s = make_strategy(options_of("finetune", 0, 0), c);
  const Batch b = batch_of(3, 0);
  const auto terms = s->loss(b);
  ASSERT_EQ(terms.size(), 1u);
  EXPECT_EQ(terms[0].count, 3);
  const auto mean = torch::nn::functional::cross_entropy(c.model->forward(b.x), b.y);
  EXPECT_NEAR(terms[0].sum.item<double>(), 3 * mean.item<double>(), 1e-5);
  EXPECT_TRUE(s->loss(Batch{}).empty());
}

TEST(Strategy, ErMixesReplayAfterTheFirstStep) {
  const auto c = context();
  ExperienceReplay er(options_of("er", 6, 2), c);
  EXPECT_EQ(er.loss(batch_of(3, 0))[0].count, 3);  // empty buffer: stream only
  er.after_step(batch_of(3, 0));
  EXPECT_EQ(er.buffer().size(), 3);
  EXPECT_EQ(er.loss(batch_of(3, 1))[0].count, 5);  // 3 stream + 2 replay
  for (int i = 0; i < 10; ++i) er.after_step(batch_of(3, i));
  EXPECT_EQ(er.buffer().size(), 6);
  EXPECT_EQ(er.buffer().seen(), 33);
}

TEST(Strategy, ErShardsTheGlobalBufferAcrossRanks) {
  auto c = context();
  c.world_size = 4;
  c.rank = 3;
  ExperienceReplay er(options_of("er", 10, 10), c);  // rank 3 of 4 stores global slots 3 and 7
  EXPECT_EQ(er.buffer().capacity(), 10);
  EXPECT_EQ(er.buffer().local_capacity(), 2);
  // A global batch of 4, of which this rank trains on row 3.
  const Batch global = batch_of(4, 0);
  Batch mine;
  mine.global_labels = global.y;
  mine.offset = 3;
  mine.images = global.images.narrow(0, 3, 1);
  mine.x = global.x.narrow(0, 3, 1);
  mine.y = global.y.narrow(0, 3, 1);
  mine.read_rows = [](const std::vector<std::int64_t>&) -> torch::Tensor {
    ADD_FAILURE() << "slot 3 is row 3, this rank's own: nothing to read";
    return {};
  };
  er.after_step(mine);
  EXPECT_EQ(er.buffer().size(), 4);        // every rank records all 4 slots
  EXPECT_EQ(er.buffer().local_size(), 1);  // and stores slot 3's image
  EXPECT_EQ(er.buffer().label(2), global.y[2].item<std::int64_t>());
  // The replay batch draws all 4 filled slots; this rank computes slot 3's.
  EXPECT_EQ(er.loss(mine)[0].count, 1 + 1);
}

TEST(Strategy, ErReadsTheRowsItStoresButDidNotTrainOn) {
  auto c = context();
  c.world_size = 4;
  c.rank = 3;
  ExperienceReplay er(options_of("er", 10, 10), c);  // rank 3 of 4 stores global slots 3 and 7
  const Batch global = batch_of(4, 0);
  Batch mine;  // this rank trains on row 0; slot 3 takes row 3, another rank's
  mine.global_labels = global.y;
  mine.offset = 0;
  mine.images = global.images.narrow(0, 0, 1);
  mine.x = global.x.narrow(0, 0, 1);
  mine.y = global.y.narrow(0, 0, 1);
  std::vector<std::vector<std::int64_t>> asked;
  mine.read_rows = [&](const std::vector<std::int64_t>& rows) {
    asked.push_back(rows);
    return global.images.index_select(0, torch::tensor(rows, torch::kInt64));
  };
  er.after_step(mine);
  ASSERT_EQ(asked, (std::vector<std::vector<std::int64_t>>{{3}}));
  ASSERT_EQ(er.buffer().local_size(), 1);
  const auto* want = global.images[3].data_ptr<std::uint8_t>();
  EXPECT_TRUE(std::equal(want, want + 4, er.buffer().image(3)));
}

TEST(Strategy, PerTaskHeadsSeeOnlyTheirTasksLogits) {
  auto c = context();
  c.head_mask = make_head_mask({{0, 1}, {2, 3}}, 4);
  const Batch b = batch_of(4, 0);  // labels 0, 1, 2, 3
  const auto term = make_strategy(options_of("finetune", 0, 0), c)->loss(b)[0];
  // By hand: CE over the two logits of each sample's task.
  const auto logits = c.model->forward(b.x);
  double want = 0;
  for (int i = 0; i < 4; ++i) {
    const int first = i < 2 ? 0 : 2;
    const auto own = logits[i].slice(0, first, first + 2);
    want += -torch::log_softmax(own, 0)[i - first].item<double>();
  }
  EXPECT_NEAR(term.sum.item<double>(), want, 1e-5);
  // A batch of task 0 only sends no gradient to task 1's output units.
  Batch t0 = batch_of(2, 0);  // labels 0, 1
  auto s = make_strategy(options_of("finetune", 0, 0), c);
  c.model->zero_grad();
  s->loss(t0)[0].sum.backward();
  const auto params = c.model->parameters();
  const auto& head_w = params[params.size() - 2];  // [4 classes, 5 hidden]
  EXPECT_EQ(head_w.grad().slice(0, 2, 4).abs().sum().item<double>(), 0.0);
  EXPECT_GT(head_w.grad().slice(0, 0, 2).abs().sum().item<double>(), 0.0);
}

TEST(Strategy, UnknownNameListsTheKnownOnes) {
  try {
    make_strategy(options_of("nope", 1, 1), context());
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'nope'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("finetune"), std::string::npos);
  }
}

}  // namespace
}  // namespace mnemo::strategies
