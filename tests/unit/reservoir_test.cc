// Tests: reservoir sampling keeps every stream position with probability
//   capacity / n (chi-square over many independent runs), bounded size,
//   and uniform, distinct minibatch sampling.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "replay/reservoir_buffer.h"

namespace mnemo::replay {
namespace {

// Stores the stream position in the label; the image is one dummy byte.
std::vector<std::int64_t> run_stream(std::int64_t capacity, std::int64_t n, std::uint64_t seed) {
  ReservoirBuffer buf(capacity, 1, seed);
  const std::uint8_t pixel = 0;
  for (std::int64_t i = 0; i < n; ++i) buf.add(&pixel, i, 0);
  std::vector<std::int64_t> kept;
  for (std::int64_t s = 0; s < buf.size(); ++s) kept.push_back(buf.label(s));
  return kept;
}

TEST(Reservoir, InclusionIsUniformOverTheStream) {
  const std::int64_t capacity = 10, n = 100, runs = 20000;
  std::vector<double> hits(n, 0);
  for (std::int64_t r = 0; r < runs; ++r) {
    for (auto i : run_stream(capacity, n, 1000 + r)) hits[i] += 1;
  }
  // Each position is kept with p = capacity/n; chi-square with n-1 dof.
  const double expected = static_cast<double>(runs) * capacity / n;
  double chi2 = 0;
  for (double h : hits) chi2 += (h - expected) * (h - expected) / expected;
  // 99.9th percentile of chi-square(99) is about 148.2.
  EXPECT_LT(chi2, 148.2) << "inclusion frequencies are not uniform";
  // And the early and late halves of the stream are equally represented.
  double first = 0, second = 0;
  for (std::int64_t i = 0; i < n / 2; ++i) first += hits[i];
  for (std::int64_t i = n / 2; i < n; ++i) second += hits[i];
  EXPECT_NEAR(first / (first + second), 0.5, 0.01);
}

TEST(Reservoir, SizeIsBoundedAndCountsSeen) {
  ReservoirBuffer buf(5, 3, 7);
  const std::uint8_t img[3] = {1, 2, 3};
  for (int i = 0; i < 3; ++i) buf.add(img, i, 0);
  EXPECT_EQ(buf.size(), 3);
  for (int i = 0; i < 100; ++i) buf.add(img, i, 1);
  EXPECT_EQ(buf.size(), 5);
  EXPECT_EQ(buf.seen(), 103);
  EXPECT_EQ(buf.image(4)[2], 3);
  EXPECT_EQ(buf.memory_bytes(), 5u * 3u + 5u * 16u);
}

TEST(Reservoir, SampleIsDistinctAndUniform) {
  ReservoirBuffer buf(8, 1, 3);
  const std::uint8_t px = 0;
  for (int i = 0; i < 8; ++i) buf.add(&px, i, 0);
  std::vector<double> hits(8, 0);
  const int draws = 40000;
  for (int d = 0; d < draws; ++d) {
    const auto s = buf.sample(3);
    ASSERT_EQ(s.size(), 3u);
    ASSERT_EQ(std::set<std::int64_t>(s.begin(), s.end()).size(), 3u);
    for (auto slot : s) hits[slot] += 1;
  }
  const double expected = draws * 3.0 / 8.0;
  double chi2 = 0;
  for (double h : hits) chi2 += (h - expected) * (h - expected) / expected;
  EXPECT_LT(chi2, 24.3);  // 99.9th percentile of chi-square(7)
  EXPECT_EQ(buf.sample(100).size(), 8u);  // capped at the fill
}

TEST(Reservoir, CapacityIsSplitAcrossRanks) {
  for (int world = 1; world <= 4; ++world) {
    std::int64_t total = 0;
    for (int r = 0; r < world; ++r) total += local_share(501, world, r);
    EXPECT_EQ(total, 501);
  }
  EXPECT_EQ(local_share(10, 4, 0), 3);
  EXPECT_EQ(local_share(10, 4, 3), 2);
}

}  // namespace
}  // namespace mnemo::replay
