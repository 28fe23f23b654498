// Tests: seeded class orders are permutations, reproducible, and split into
//   tasks; an explicit --class-order is completed to a permutation and checked.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "core/error.h"
#include "data/prepare/class_split.h"

namespace mnemo::data {
namespace {

TEST(ClassSplit, OrderIsASeededPermutation) {
  const auto a = seeded_class_order(10, 0), b = seeded_class_order(10, 0), c = seeded_class_order(10, 1);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (std::int64_t i = 0; i < 10; ++i) EXPECT_EQ(sorted[i], i);
}

TEST(ClassSplit, ConsecutiveGroups) {
  const auto tasks = split_classes({4, 8, 9, 1, 3, 0}, 3, 2);
  ASSERT_EQ(tasks.size(), 3u);
  EXPECT_EQ(tasks[1], (std::vector<std::int64_t>{9, 1}));
}

TEST(ClassSplit, ExplicitOrderKeepsItsPrefixAndAppendsTheRestInOrder) {
  EXPECT_EQ(explicit_class_order({3, 1}, 5, "d"), (std::vector<std::int64_t>{3, 1, 0, 2, 4}));
  EXPECT_EQ(explicit_class_order({0, 1, 2}, 3, "d"), (std::vector<std::int64_t>{0, 1, 2}));
}

TEST(ClassSplit, ExplicitOrderRefusesUnknownAndRepeatedClassesNamingTheOption) {
  for (const auto& bad : {std::vector<std::int64_t>{0, 5}, {-1}, {2, 0, 2}}) {
    try {
      explicit_class_order(bad, 5, "dataset-x");
      ADD_FAILURE() << "accepted an order with " << bad.back();
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("--class-order"), std::string::npos) << e.what();
    }
  }
}

TEST(ClassSplit, TooManyClassesRequested) { EXPECT_THROW(split_classes({0, 1, 2}, 2, 2), UsageError); }

}  // namespace
}  // namespace mnemo::data
