// Tests: every sample is owned by exactly one rank, for N = 1..4, and all
//   ranks agree on the step count; errors for too many ranks.
#include <gtest/gtest.h>

#include <vector>

#include "core/error.h"
#include "data/sharding.h"

namespace mnemo::data {
namespace {

TEST(Sharding, BlockRangeCoversEveryIndexOnce) {
  for (std::int64_t n : {0, 1, 5, 7, 100, 12001}) {
    for (int parts = 1; parts <= 4; ++parts) {
      std::vector<int> hits(static_cast<std::size_t>(n), 0);
      for (int p = 0; p < parts; ++p) {
        const Range r = block_range(n, parts, p);
        EXPECT_LE(r.size(), n / parts + 1);
        EXPECT_GE(r.size(), n / parts);
        for (auto i = r.begin; i < r.end; ++i) ++hits[i];
      }
      for (int h : hits) ASSERT_EQ(h, 1) << "n=" << n << " parts=" << parts;
    }
  }
}

TEST(Sharding, TrainingStepsCoverEverySampleExactlyOnce) {
  for (std::int64_t n : {4, 10, 99, 12000, 12001}) {
    for (std::int64_t batch : {4, 5, 10, 32}) {
      for (int world = 1; world <= 4; ++world) {
        std::vector<int> hits(static_cast<std::size_t>(n), 0);
        std::int64_t steps = -1, batch_sum = 0;
        for (int r = 0; r < world; ++r) {
          const TrainShard s = train_shard(n, batch, world, r);
          if (steps < 0) steps = s.steps;
          ASSERT_EQ(s.steps, steps) << "ranks disagree on the step count";
          batch_sum += s.local_batch;
          for (std::int64_t step = 0; step < s.steps; ++step) {
            const Range slice = step_slice(s, step);
            ASSERT_LE(slice.size(), s.local_batch);
            for (auto i = slice.begin; i < slice.end; ++i) ++hits[s.samples.begin + i];
          }
        }
        EXPECT_EQ(batch_sum, batch);
        // Roughly one global batch per step: never more than one extra step.
        EXPECT_LE(steps, (n + batch - 1) / batch + 1);
        for (int h : hits) ASSERT_EQ(h, 1) << "n=" << n << " batch=" << batch << " world=" << world;
      }
    }
  }
}

TEST(Sharding, SingleRankIsThePlainLoop) {
  const TrainShard s = train_shard(25, 10, 1, 0);
  EXPECT_EQ(s.samples, (Range{0, 25}));
  EXPECT_EQ(s.steps, 3);
  EXPECT_EQ(step_slice(s, 2), (Range{20, 25}));
}

TEST(Sharding, MoreRanksThanSamplesIsAUsageError) {
  EXPECT_THROW(train_shard(3, 10, 4, 0), UsageError);
  try {
    train_shard(3, 10, 4, 0);
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("4 ranks"), std::string::npos) << e.what();
  }
}

TEST(Sharding, BatchSmallerThanWorldIsAUsageError) { EXPECT_THROW(train_shard(100, 2, 3, 0), UsageError); }

}  // namespace
}  // namespace mnemo::data

namespace mnemo::data {
namespace {

TEST(Sharding, CombinedTasksCoverEveryRanksBlocksWithEqualSteps) {
  const std::vector<std::int64_t> sizes = {13, 7, 22};
  for (int world = 1; world <= 4; ++world) {
    std::int64_t steps = -1, total = 0;
    for (int r = 0; r < world; ++r) {
      const TrainShard c = combined_shard(sizes, 6, world, r);
      std::int64_t own = 0;
      for (auto n : sizes) own += train_shard(n, 6, world, r).samples.size();
      EXPECT_EQ(c.samples.size(), own);
      if (steps < 0) steps = c.steps;
      EXPECT_EQ(c.steps, steps);
      std::int64_t covered = 0;
      for (std::int64_t s = 0; s < c.steps; ++s) covered += step_slice(c, s).size();
      EXPECT_EQ(covered, own) << "world " << world << " rank " << r;
      total += own;
    }
    EXPECT_EQ(total, 13 + 7 + 22);
  }
}

}  // namespace
}  // namespace mnemo::data
