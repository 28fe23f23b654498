// Tests: block_range covers every index once, for N = 1..4; errors for
//   too many ranks or too small a global batch.
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

TEST(Sharding, MoreRanksThanSamplesIsAUsageError) {
  EXPECT_NO_THROW(check_data_parallel(0, 4, 10, 4));
  try {
    check_data_parallel(2, 3, 10, 4);
    FAIL() << "expected a UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("4 ranks"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("task 2 has 3 training sample(s)"), std::string::npos) << e.what();
  }
}

TEST(Sharding, BatchSmallerThanWorldIsAUsageError) {
  EXPECT_THROW(check_data_parallel(0, 100, 2, 3), UsageError);
  EXPECT_NO_THROW(check_data_parallel(0, 100, 3, 3));
}

}  // namespace
}  // namespace mnemo::data
