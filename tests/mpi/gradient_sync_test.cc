// Tests: the data-parallel gradient of N ranks equals the single-process
//   gradient over the union of their batches (uneven and empty local
//   batches, one and two loss terms). Every rank rebuilds all ranks' batches
//   from (seed, rank), so the reference is computed locally.
#include <cstdlib>
#include <gtest/gtest.h>

#include "model/model.h"
#include "mpi_env.h"
#include "strategies/strategy.h"
#include "strategies/loss_terms.h"
#include "train/flat_parameters.h"
#include "train/gradient_step.h"
#include "train/tensor_collectives.h"
#include "train/model_sync.h"
#include "train/optimizer.h"
#include "comm/checked_communicator.h"
#include "core/error.h"

namespace mnemo::train {
namespace {

using testing::world;

const std::unique_ptr<Communicator> local_ = make_local_communicator();

// The world communicator, declared asynchronous so that the reducer's
// overlap path (hooks + async collectives) runs on CPU too.
class AsyncWorld final : public Communicator {
 public:
  int rank() const override { return world().rank(); }
  int world_size() const override { return world().world_size(); }
  int local_rank() const override { return world().local_rank(); }
  int local_size() const override { return world().local_size(); }
  std::string backend() const override { return "mpi-async"; }
  BufferPlace buffer_place() const override { return BufferPlace::kHost; }
  bool asynchronous() const override { return true; }
  void allreduce_sum(void* d, std::size_t n, DType t) override { world().allreduce_sum(d, n, t); }
  std::unique_ptr<Request> allreduce_sum_async(void* d, std::size_t n, DType t) override {
    ++async_calls;
    return world().allreduce_sum_async(d, n, t);
  }
  void allreduce_max(void* d, std::size_t n, DType t) override { world().allreduce_max(d, n, t); }
  void broadcast(void* d, std::size_t n, DType t, int root) override { world().broadcast(d, n, t, root); }
  void reduce_sum(void* d, std::size_t n, DType t, int root) override { world().reduce_sum(d, n, t, root); }
  void allgather(const void* s, void* r, std::size_t n, DType t) override { world().allgather(s, r, n, t); }
  void barrier() override { world().barrier(); }
  [[noreturn]] void abort(int code) override {
    world().abort(code);
    std::_Exit(code);
  }
  int async_calls = 0;
};
AsyncWorld async_world;

Communicator& comm_for(bool overlap) { return overlap ? static_cast<Communicator&>(async_world) : world(); }

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

struct ReduceMode {
  std::size_t bucket_bytes;
  bool overlap;
  DType wire = DType::kFloat32;
};

// Returns the synced flat gradient.
torch::Tensor check(int terms, const std::vector<double>& weights, ReduceMode mode = {0, false}) {
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
  GradientReducer reducer(flat, comm_for(mode.overlap), mode.bucket_bytes, mode.overlap, mode.wire);
  EXPECT_EQ(reducer.overlaps(), mode.overlap);
  synced_gradient(local, flat, world(), reducer);

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
  // 16-bit wires round each rank's contribution and the sums: ~2^-8 relative for bf16.
  const double tolerance = mode.wire == DType::kFloat32 ? 1e-5 : mode.wire == DType::kFloat16 ? 2e-3 : 2e-2;
  EXPECT_LT(diff, tolerance * std::max(1.0, want.abs().max().item<double>()))
      << "terms=" << terms << " world=" << size << " buckets=" << reducer.num_buckets();
  EXPECT_GT(want.abs().max().item<double>(), 1e-3) << "reference gradient is trivially small";
  return flat.grads().clone();
}

TEST(GradientSync, OneTermEqualsUnionBatch) { check(1, {1.0}); }

TEST(GradientSync, TwoWeightedTermsEqualUnionBatch) { check(2, {1.0, 0.5}); }

TEST(GradientSync, BucketedEqualsUnbucketed) {
  const torch::Tensor one = check(2, {1.0, 0.5}, {0, false});
  for (ReduceMode mode : {ReduceMode{64, false}, ReduceMode{64, true}, ReduceMode{1000, true}}) {
    const torch::Tensor many = check(2, {1.0, 0.5}, mode);
    EXPECT_LT((one - many).abs().max().item<double>(), 1e-6) << mode.bucket_bytes << " overlap " << mode.overlap;
  }
}

TEST(GradientSync, SixteenBitWireIsCloseToFloat32) {
  const torch::Tensor exact = check(2, {1.0, 0.5});
  for (DType wire : {DType::kFloat16, DType::kBFloat16}) {
    for (bool overlap : {false, true}) {
      const torch::Tensor approx = check(2, {1.0, 0.5}, {64, overlap, wire});
      EXPECT_FALSE(torch::equal(approx, exact)) << "no rounding happened: was the wire really 16-bit?";
    }
  }
}

TEST(GradientSync, BucketsTileTheBufferInReverseOrder) {
  auto net = make_net();  // 9*8+8, 8*8+8, 8*4+4 = 80, 72, 36 floats
  FlatParameters flat(*net);
  GradientReducer reducer(flat, world(), /*bucket_bytes=*/40 * 4, /*overlap=*/false);
  // Reverse order: [head.w 32 + head.b 4] [l2.b 8 ... ] ...: every bucket is a
  // contiguous slice, bucket 0 ends at the buffer's end, the last starts at 0.
  ASSERT_GT(reducer.num_buckets(), 2u);
  EXPECT_EQ(reducer.bucket_range(0).second, flat.numel());
  EXPECT_EQ(reducer.bucket_range(reducer.num_buckets() - 1).first, 0);
  for (std::size_t i = 1; i < reducer.num_buckets(); ++i) {
    EXPECT_EQ(reducer.bucket_range(i).second, reducer.bucket_range(i - 1).first);
  }
}

// A progressive network grown to task 2: the rebuilt flat buffer holds
// only column 2 (P + 2Q floats, not the 3P + 3Q of the whole network), its
// buckets tile it, and the reduced buffer equals the closed form: rank q
// contributes (q + 1) * (i + 1) at element i, so the sum is
// (i + 1) * N (N + 1) / 2, exactly (small integers). Frozen columns keep
// their values bit for bit through a step, on every rank.
TEST(GradientSync, GrownNetworkReducesItsNewColumnOnlyToTheClosedForm) {
  const int size = world().world_size(), rank = world().rank();
  torch::manual_seed(1);
  model::ModelOptions o;
  o.name = "pnn";
  o.input_shape = {1, 3, 3};
  o.num_classes = 4;
  o.hidden = {8, 8};
  auto net = model::make_model(o);
  const std::int64_t P = (9 * 8 + 8) + (8 * 8 + 8) + (8 * 4 + 4), Q = 8 * 8 + 8 * 4;
  EXPECT_EQ(FlatParameters(*net).numel(), P) << "before growth: column 0";
  ASSERT_TRUE(net->grow_to_task(2));
  std::vector<torch::Tensor> frozen;
  for (const auto& p : net->parameters()) {
    if (!p.requires_grad()) frozen.push_back(p.detach().clone());
  }
  FlatParameters flat(*net);
  ASSERT_EQ(flat.numel(), P + 2 * Q);
  EXPECT_EQ(flat.frozen_numel(), 2 * P + Q);
  GradientReducer reducer(flat, world(), /*bucket_bytes=*/64 * 4, /*overlap=*/false);
  ASSERT_GT(reducer.num_buckets(), 2u);
  EXPECT_EQ(reducer.bucket_range(0).second, flat.numel());
  EXPECT_EQ(reducer.bucket_range(reducer.num_buckets() - 1).first, 0);
  const torch::Tensor index = torch::arange(1, flat.numel() + 1, torch::kFloat32);
  flat.grads().copy_(index * static_cast<float>(rank + 1));
  reducer.prepare();
  reducer.finish();
  EXPECT_TRUE(torch::equal(flat.grads(), index * static_cast<float>(size * (size + 1) / 2)));
  flat.values().sub_(0.01 * flat.grads());
  std::size_t k = 0;
  for (const auto& p : net->parameters()) {
    if (p.requires_grad()) continue;
    EXPECT_TRUE(torch::equal(p, frozen[k++])) << "a frozen parameter moved";
  }
  EXPECT_EQ(k, frozen.size());
}

// PackNet decides its masks from the weights. Data-parallel steps (each
// rank on its own samples, gradients all-reduced) keep the weights
// identical, so every rank prunes the same weights: the owners equal rank
// 0's on every rank, after each of two tasks, and so do the weights.
TEST(GradientSync, PackNetPrunesTheSameWeightsOnEveryRank) {
  const int rank = world().rank();
  torch::manual_seed(2);
  model::ModelOptions o;
  o.name = "packnet";
  o.input_shape = {1, 3, 3};
  o.num_classes = 4;
  o.hidden = {8, 8};
  o.task_classes = {{0, 1}, {2, 3}};
  auto net = model::make_model(o);
  auto sgd = make_optimizer(OptimizerOptions{});
  std::unique_ptr<FlatParameters> flat;
  std::unique_ptr<GradientReducer> reducer;
  constexpr std::int64_t kSteps = 8;
  for (std::int64_t task = 0; task < 2; ++task) {
    if (net->grow_to_task(task) || !flat) {
      reducer.reset();
      flat = std::make_unique<FlatParameters>(*net);
      reducer = std::make_unique<GradientReducer>(*flat, world(), 0, false);
    }
    net->use_task(task);
    sgd->reset();
    for (std::int64_t step = 1; step <= kSteps; ++step) {
      torch::manual_seed(100 * rank + 10 * task + step);  // every rank its own samples
      const torch::Tensor x = torch::rand({3 + rank, 1, 3, 3});
      const torch::Tensor y = torch::randint(0, 2, {3 + rank}, torch::kInt64) + 2 * task;
      synced_gradient({strategies::cross_entropy_term(*net, x, y)}, *flat, world(), *reducer);
      sgd->step(flat->values(), flat->grads(), 0.1);
      net->after_optimizer_step(task, step, kSteps);
    }
    std::int64_t owned = 0, freed = 0;
    for (const auto& b : net->named_buffers()) {
      if (b.key().rfind("owners", 0) != 0) continue;
      torch::Tensor mine = b.value().clone(), low = b.value().clone(), high = b.value().clone();
      world().allreduce_max(high.data_ptr(), static_cast<std::size_t>(high.numel()), DType::kInt64);
      low.neg_();
      world().allreduce_max(low.data_ptr(), static_cast<std::size_t>(low.numel()), DType::kInt64);
      EXPECT_TRUE(torch::equal(high, mine) && torch::equal(low.neg(), mine)) << b.key() << " differs across ranks";
      owned += mine.eq(task).sum().item<std::int64_t>();
      freed += mine.eq(-1).sum().item<std::int64_t>();
    }
    EXPECT_GT(owned, 0) << "task " << task << " kept nothing";
    EXPECT_GT(freed, 0) << "task " << task << " pruned nothing";
  }
  std::vector<std::uint64_t> prints(static_cast<std::size_t>(world().world_size()));
  const std::uint64_t mine = parameter_fingerprint(*net);
  world().allgather(&mine, prints.data(), 1, DType::kInt64);
  for (auto p : prints) EXPECT_EQ(p, prints[0]) << "the weights differ across ranks";
}

// N ranks with local batch b equal 1 rank with batch N*b: parameters after
// k SGD steps, each rank taking its block of every global batch.
TEST(GradientSync, DataParallelTrainingEqualsSingleProcess) {
  const int size = world().world_size(), rank = world().rank();
  constexpr int kSteps = 5;
  constexpr std::int64_t kLocal = 3;
  const std::int64_t global = kLocal * size;
  auto batch = [&](int step) {
    torch::manual_seed(500 + step);
    return Samples{torch::rand({global, 1, 3, 3}), torch::randint(0, 4, {global}, torch::kInt64)};
  };
  auto net = make_net();
  FlatParameters flat(*net);
  GradientReducer reducer(flat, async_world, /*bucket_bytes=*/128, /*overlap=*/true);
  const int calls_before = async_world.async_calls;
  auto sgd = make_optimizer(OptimizerOptions{});
  auto ref = make_net();
  FlatParameters ref_flat(*ref);
  GradientReducer ref_reducer(ref_flat, *local_, 0, false);
  auto ref_sgd = make_optimizer(OptimizerOptions{});
  for (int step = 0; step < kSteps; ++step) {
    const Samples s = batch(step);
    const auto mine_x = s.x.narrow(0, rank * kLocal, kLocal), mine_y = s.y.narrow(0, rank * kLocal, kLocal);
    synced_gradient({strategies::cross_entropy_term(*net, mine_x, mine_y)}, flat, world(), reducer);
    sgd->step(flat.values(), flat.grads(), 0.1);
    synced_gradient({strategies::cross_entropy_term(*ref, s.x, s.y)}, ref_flat, *local_, ref_reducer);
    ref_sgd->step(ref_flat.values(), ref_flat.grads(), 0.1);
  }
  EXPECT_LT((flat.values() - ref_flat.values()).abs().max().item<double>(), 1e-5);
  EXPECT_EQ(async_world.async_calls - calls_before, kSteps * static_cast<int>(reducer.num_buckets()));
  auto fresh = make_net();
  EXPECT_GT((FlatParameters(*fresh).values() - flat.values()).abs().max().item<double>(), 1e-3);
}

TEST(GradientSync, ModelMismatchIsAClearErrorOnEveryRank) {
  torch::manual_seed(1);
  model::ModelOptions o;
  o.input_shape = {1, 3, 3};
  o.num_classes = 4;
  o.hidden = {8 + (world().rank() == world().world_size() - 1 && world().world_size() > 1 ? 1 : 0)};
  auto net = model::make_model(o);
  FlatParameters flat(*net);
  if (world().world_size() == 1) {
    EXPECT_NO_THROW(verify_same_model(world(), flat));
    return;
  }
  try {
    verify_same_model(world(), flat);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("different models"), std::string::npos) << e.what();
  }
}

TEST(GradientSync, DebugCollectivesNamesTheDivergingRank) {
  if (world().world_size() == 1) GTEST_SKIP() << "needs 2 ranks";
  auto checked = make_checked_communicator(world(), "test");
  std::vector<std::int64_t> v(world().rank() == 1 ? 3 : 2, 1);  // rank 1 sends more
  try {
    checked->allreduce_sum(v);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("rank 1: #1 allreduce_sum of 24 bytes"), std::string::npos) << msg;
    EXPECT_NE(msg.find("rank 0: #1 allreduce_sum of 16 bytes"), std::string::npos) << msg;
  }
  std::vector<std::int64_t> ok(2, 1);
  checked->allreduce_sum(ok);  // agreeing collectives still pass
  EXPECT_EQ(ok[0], world().world_size());
}

TEST(GradientSync, ParametersStayIdenticalAcrossRanks) {
  auto net = make_net();
  FlatParameters flat(*net);
  // Rank 0's values win after a broadcast, as at the start of training.
  if (world().rank() != 0) flat.values().add_(1.0);
  broadcast_parameters(world(), flat, 0);
  auto ref = make_net();
  FlatParameters ref_flat(*ref);
  EXPECT_TRUE(torch::equal(flat.values(), ref_flat.values()));
}

// The loss-term contract: more than kMaxLossTerms terms on one rank is a
// UsageError naming the strategy on every rank, and the ranks stay in step.
TEST(GradientSync, TooManyLossTermsIsAUsageErrorOnEveryRank) {
  auto net = make_net();
  FlatParameters flat(*net);
  GradientReducer reducer(flat, world(), 0, false);
  const Samples s = samples_of(world().rank(), 1);
  const auto term = [&] { return strategies::cross_entropy_term(*net, s.x, s.y); };
  SyncExtras extras;
  extras.strategy = "strategy 'test'";
  // Only the last rank returns too many: every rank must still throw.
  const bool last = world().rank() == world().world_size() - 1;
  std::vector<strategies::LossTerm> terms(last ? strategies::kMaxLossTerms + 1 : 1);
  for (auto& t : terms) t = term();
  std::string msg;
  try {
    synced_gradient(terms, flat, world(), reducer, extras);
  } catch (const UsageError& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("strategy 'test' returned more than 4 loss terms on 1 rank(s)"), std::string::npos) << msg;
  EXPECT_NO_THROW(synced_gradient({term()}, flat, world(), reducer, extras));
}

// allgather_rows: rank r holds r + 1 rows (r = 1 none when size > 2) with
// values 100 r + i; the gather is their concatenation in rank order.
TEST(TensorCollectives, AllgatherRowsConcatenatesUnevenRowsInRankOrder) {
  const auto rows_of = [](int r) {
    const std::int64_t n = r == 1 ? 0 : r + 1;
    return (torch::arange(n * 3, torch::kFloat32) + 100 * r).view({n, 3});
  };
  const torch::Tensor all = allgather_rows(world(), rows_of(world().rank()));
  std::vector<torch::Tensor> want;
  for (int r = 0; r < world().world_size(); ++r) want.push_back(rows_of(r));
  EXPECT_TRUE(torch::equal(all, torch::cat(want)));
  const torch::Tensor ids = allgather_rows(world(), torch::full({1}, world().rank() * 7, torch::kInt64));
  EXPECT_TRUE(torch::equal(ids, torch::arange(world().world_size(), torch::kInt64) * 7));
}

// global_mean: rank r sums r + 1 samples of value r (a sum of (r + 1) r);
// the mean over all samples is sum_r (r + 1) r / sum_r (r + 1).
TEST(TensorCollectives, GlobalMeanIsTheMeanOverEveryRanksSamples) {
  const int r = world().rank();
  torch::Tensor sum = torch::full({2}, static_cast<float>((r + 1) * r));
  const std::int64_t total = global_mean(world(), world(), sum, r + 1);
  double num = 0, den = 0;
  for (int q = 0; q < world().world_size(); ++q) {
    num += (q + 1) * q;
    den += q + 1;
  }
  EXPECT_EQ(total, static_cast<std::int64_t>(den));
  EXPECT_NEAR(sum[0].item<double>(), num / den, 1e-6);
  EXPECT_NEAR(sum[1].item<double>(), num / den, 1e-6);
}

}  // namespace
}  // namespace mnemo::train
