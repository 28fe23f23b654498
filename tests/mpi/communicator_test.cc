// Tests: collectives against closed forms derived from (rank, index), for
//   uneven sizes and every dtype; the shared-memory float sum; agreement
//   helpers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "comm/agreement.h"
#include "comm/checked_communicator.h"
#include "comm/node_shared_sum.h"
#include "core/half.h"
#include "mpi_env.h"

namespace mnemo {
namespace {

using testing::world;

// value(rank, i) = rank * 1000 + i; sum over ranks = 1000 * N(N-1)/2 + N*i.
template <class T> void check_allreduce(std::size_t n) {
  const int r = world().rank(), size = world().world_size();
  std::vector<T> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<T>(r * 1000 + static_cast<int>(i % 997));
  world().allreduce_sum(v);
  for (std::size_t i = 0; i < n; ++i) {
    const double want = 1000.0 * size * (size - 1) / 2 + static_cast<double>(size) * static_cast<double>(i % 997);
    ASSERT_EQ(static_cast<double>(v[i]), want) << "i=" << i << " dtype " << dtype_name(dtype_of<T>());
  }
}

TEST(Communicator, AllreduceSumEveryDtypeAndUnevenSizes) {
  for (std::size_t n : {1u, 7u, 1000u, 100003u}) {
    check_allreduce<float>(n);
    check_allreduce<double>(n);
    check_allreduce<std::int32_t>(n);
    check_allreduce<std::int64_t>(n);
  }
}

TEST(Communicator, BroadcastFromEveryRoot) {
  for (int root = 0; root < world().world_size(); ++root) {
    std::vector<float> v(33, static_cast<float>(world().rank()));
    if (world().rank() == root) {
      for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(root * 100 + static_cast<int>(i));
    }
    world().broadcast(v, root);
    for (std::size_t i = 0; i < v.size(); ++i) ASSERT_EQ(v[i], root * 100 + static_cast<int>(i));
  }
}

TEST(Communicator, ReduceSumLandsOnRootOnly) {
  const int size = world().world_size();
  std::vector<std::int64_t> v = {world().rank() + 1, 5};
  world().reduce_sum(v, 0);
  if (world().rank() == 0) {
    EXPECT_EQ(v[0], size * (size + 1) / 2);
    EXPECT_EQ(v[1], 5 * size);
  } else {
    EXPECT_EQ(v[0], world().rank() + 1);  // untouched
  }
}

TEST(Communicator, FirstFailedRank) {
  const int last = world().world_size() - 1;
  EXPECT_EQ(first_failed_rank(world(), false), -1);
  EXPECT_EQ(first_failed_rank(world(), world().rank() == last), last);
  EXPECT_EQ(first_failed_rank(world(), true), 0);
  EXPECT_TRUE(all_ok(world(), true));
  EXPECT_FALSE(all_ok(world(), world().rank() != last));
}

TEST(Communicator, RunAgreedFailsOnEveryRankWithTheFailingRanksCode) {
  const int last = world().world_size() - 1;
  try {
    run_agreed(world(), [&] {
      if (world().rank() == last) throw InputError("bad file on the last rank");
    });
    FAIL() << "run_agreed did not throw";
  } catch (const AgreedError& e) {
    EXPECT_EQ(e.exit_code(), kExitInput);
    EXPECT_EQ(e.reporter(), world().rank() == last);
  }
  EXPECT_NO_THROW(run_agreed(world(), [] {}));
}

TEST(Communicator, LocalRanksCoverTheNode) {
  // All test ranks run on one host here: local ranks are 0..N-1.
  std::vector<std::int64_t> seen(static_cast<std::size_t>(world().world_size()), 0);
  seen[static_cast<std::size_t>(world().local_rank())] = 1;
  world().allreduce_sum(seen);
  for (auto s : seen) EXPECT_EQ(s, world().local_size() == world().world_size() ? 1 : s);
}

namespace mnemo {
namespace {

// Element i of rank r's contribution: r * 1000 + i (exact in every dtype).
template <class T>
void expect_allgather_in_rank_order(Communicator& comm, std::size_t count) {
  const int size = comm.world_size();
  std::vector<T> mine(count), all(count * static_cast<std::size_t>(size), T(-1));
  for (std::size_t i = 0; i < count; ++i) mine[i] = static_cast<T>(comm.rank() * 1000 + static_cast<int>(i));
  comm.allgather(mine.data(), all.data(), count, dtype_of<T>());
  for (int r = 0; r < size; ++r) {
    for (std::size_t i = 0; i < count; ++i) {
      EXPECT_EQ(all[static_cast<std::size_t>(r) * count + i], static_cast<T>(r * 1000 + static_cast<int>(i)))
          << "rank " << r << " element " << i;
    }
  }
}

TEST(Communicator, AllgatherConcatenatesInRankOrderForEveryDtype) {
  for (std::size_t count : {std::size_t{1}, std::size_t{7}, std::size_t{300}}) {
    expect_allgather_in_rank_order<float>(testing::world(), count);
    expect_allgather_in_rank_order<double>(testing::world(), count);
    expect_allgather_in_rank_order<std::int32_t>(testing::world(), count);
    expect_allgather_in_rank_order<std::int64_t>(testing::world(), count);
  }
  const auto values = testing::world().allgather<std::int64_t>(10 * testing::world().rank() + 1);
  ASSERT_EQ(values.size(), static_cast<std::size_t>(testing::world().world_size()));
  for (int r = 0; r < testing::world().world_size(); ++r) EXPECT_EQ(values[static_cast<std::size_t>(r)], 10 * r + 1);
}

TEST(Communicator, AllgatherThroughTheDecoratorsAndTheLocalBackend) {
  const auto checked = make_checked_communicator(testing::world(), "test");
  expect_allgather_in_rank_order<std::int64_t>(*checked, 5);
  const auto local = make_local_communicator();
  expect_allgather_in_rank_order<float>(*local, 4);
}

}  // namespace
}  // namespace mnemo

namespace mnemo {
namespace {

// Small integers are exact in fp16 and bf16, so sums are exact too.
TEST(Communicator, SixteenBitFloatSums) {
  const int r = testing::world().rank(), n = testing::world().world_size();
  for (DType t : {DType::kFloat16, DType::kBFloat16}) {
    std::vector<std::uint16_t> v(1001);
    for (std::size_t i = 0; i < v.size(); ++i) {
      const float x = static_cast<float>(r + static_cast<int>(i % 5)) - 2.0f;
      v[i] = t == DType::kFloat16 ? float_to_half(x) : float_to_bf16(x);
    }
    testing::world().allreduce_sum(v.data(), v.size(), t);
    for (std::size_t i = 0; i < v.size(); ++i) {
      const float got = t == DType::kFloat16 ? half_to_float(v[i]) : bf16_to_float(v[i]);
      ASSERT_EQ(got, n * (n - 1) / 2.0f + n * (static_cast<int>(i % 5) - 2.0f)) << dtype_name(t) << " i=" << i;
    }
  }
}

}  // namespace
}  // namespace mnemo

// Large float sums take the node shared-memory path (NodeSharedSum): sizes
// spanning several of its 256 KiB pieces, interleaved so its window grows and its two
// buffers alternate; exact integer sums.
TEST(Communicator, LargeFloatSumsAcrossPiecesAndGrowth) {
  for (std::size_t n : {1024u, 300001u, 1025u, 600007u, 262144u}) check_allreduce<float>(n);
}

// The nodes the ranks form: MNEMO_SIMULATED_NODES=K (mpi_np4_two_nodes runs
// 4 ranks as 2 x 2), else one node, as on this machine.
int simulated_nodes() {
  const char* k = std::getenv("MNEMO_SIMULATED_NODES");
  return k != nullptr && std::atoi(k) > 1 ? std::atoi(k) : 1;
}

// Non-integer values: NodeSharedSum's result is, bitwise and on every rank,
// each node's rank-order sum ((v_0 + v_1) + v_2) + ..., then (across nodes,
// one MPI_Allreduce of the node sums; exact for two nodes: a + b = b + a)
// the sum of the nodes' sums, which each rank can compute alone because
// every rank's values are a function of (rank, i). On one node that is the
// plain rank-order sum.
TEST(Communicator, NodeSharedSumIsTheRankOrderSumBitwise) {
  const int r = world().rank(), size = world().world_size(), nodes = simulated_nodes();
  if (nodes > 2) GTEST_SKIP() << "the order across more than two nodes is MPI_Allreduce's";
  NodeSharedSum shared(MPI_COMM_WORLD);
  if (!shared.usable()) GTEST_SKIP() << "one rank per node: no shared-memory sum";
  auto value = [](int rank, std::size_t i) { return std::sin(0.37f * static_cast<float>(rank) + 1e-3f * i) / 3.0f; };
  for (std::size_t n : {5000u, 400000u}) {
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = value(r, i);
    shared.sum(v.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      float want = 0;
      for (int node = 0; node < nodes; ++node) {
        const int first = (node * size + nodes - 1) / nodes, end = ((node + 1) * size + nodes - 1) / nodes;
        float node_sum = value(first, i);
        for (int k = first + 1; k < end; ++k) node_sum += value(k, i);
        want = node == 0 ? node_sum : want + node_sum;
      }
      ASSERT_EQ(v[i], want) << "i=" << i << " n=" << n << " nodes=" << nodes;
    }
  }
}

// MNEMO_SIMULATED_NODES=K splits the ranks into K nodes of consecutive ranks
// (rank r on node r*K/N): the communicator's local rank and size follow.
TEST(Communicator, SimulatedNodesGiveLocalRanksAndSizes) {
  const int r = world().rank(), size = world().world_size(), nodes = simulated_nodes();
  if (nodes == 1) GTEST_SKIP() << "MNEMO_SIMULATED_NODES not set";
  const int node = static_cast<int>(static_cast<long>(r) * nodes / size);
  const int first = (node * size + nodes - 1) / nodes, end = ((node + 1) * size + nodes - 1) / nodes;
  EXPECT_EQ(world().local_rank(), r - first);
  EXPECT_EQ(world().local_size(), end - first);
}

}  // namespace
}  // namespace mnemo
