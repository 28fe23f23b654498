// Tests: reservoir sampling keeps every stream position with probability
//   capacity / n (chi-square over many independent runs), bounded size,
//   uniform distinct minibatches; the class-balanced and ring policies'
//   statistics; HDF5 round trips; resharding 3 -> 2 keeps the multiset.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "core/error.h"
#include <vector>

#include "replay/replay_buffer.h"
#include "replay/replay_store.h"
#include "../unit/test_dir.h"

namespace mnemo::replay {
namespace {

// Stores the stream position in the label; the image is one dummy byte.
std::vector<std::int64_t> run_stream(std::int64_t capacity, std::int64_t n, std::uint64_t seed) {
  ReplayBuffer buf({capacity, 1, 0, 1}, Policy::kReservoir, seed);
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
  ReplayBuffer buf({5, 3, 0, 1}, Policy::kReservoir, 7);
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
  ReplayBuffer buf({8, 1, 0, 1}, Policy::kReservoir, 3);
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

namespace mnemo::replay {
namespace {

std::map<std::int64_t, int> class_counts(const ReplayBuffer& b) {
  std::map<std::int64_t, int> out;
  for (std::int64_t s = 0; s < b.size(); ++s) ++out[b.label(s)];
  return out;
}

TEST(ClassBalanced, KeepsClassesWithinOneOfEachOther) {
  ReplayBuffer buf({12, 1, 0, 1}, Policy::kClassBalanced, 5);
  const std::uint8_t px = 0;
  // A skewed stream: 100 of class 0, then 30 of class 1, then 10 of class 2.
  for (int i = 0; i < 100; ++i) buf.add(&px, 0, 0);
  for (int i = 0; i < 30; ++i) buf.add(&px, 1, 0);
  for (int i = 0; i < 10; ++i) buf.add(&px, 2, 1);
  EXPECT_EQ(buf.size(), 12);
  const auto counts = class_counts(buf);
  EXPECT_EQ(counts.at(0), 4);
  EXPECT_EQ(counts.at(1), 4);
  EXPECT_EQ(counts.at(2), 4);
}

TEST(Ring, KeepsEachTasksMostRecentSamples) {
  ReplayBuffer buf({6, 1, 0, 3}, Policy::kRing, 5);  // 2 slots per task
  const std::uint8_t px = 0;
  for (int i = 0; i < 10; ++i) buf.add(&px, /*label=*/i, /*task=*/0);
  EXPECT_EQ(buf.size(), 2);
  for (int i = 0; i < 1; ++i) buf.add(&px, 100 + i, 1);
  EXPECT_EQ(buf.size(), 3);
  std::set<std::int64_t> labels;
  for (const auto& s : buf.samples()) labels.insert(s.label);
  EXPECT_EQ(labels, (std::set<std::int64_t>{8, 9, 100}));  // task 0's last two, task 1's one
  EXPECT_EQ(buf.sample(10).size(), 3u);
}

ReplayShard shard_with(int rank, int world, std::int64_t first, std::int64_t n) {
  ReplayBuffer buf({10, 4, 2, 1}, Policy::kReservoir, 9);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint8_t img[4] = {static_cast<std::uint8_t>(first + i), 1, 2, 3};
    const float logits[2] = {static_cast<float>(i), -1.0f};
    buf.add(img, first + i, i % 2, logits);
  }
  return to_shard(buf, {1, 2, 2}, rank, world, 30);
}

std::multiset<std::tuple<std::vector<std::uint8_t>, std::int64_t, std::int64_t, std::vector<float>>> multiset_of(
    const std::vector<ReplayShard>& shards) {
  std::multiset<std::tuple<std::vector<std::uint8_t>, std::int64_t, std::int64_t, std::vector<float>>> out;
  for (const auto& s : shards) {
    for (const auto& x : s.samples) out.insert({x.image, x.label, x.task, x.logits});
  }
  return out;
}

TEST(ReplayStore, RoundTripAndResharding3To2KeepTheMultiset) {
  testing::TempDir dir;
  const std::vector<ReplayShard> three = {shard_with(0, 3, 0, 10), shard_with(1, 3, 100, 7), shard_with(2, 3, 200, 4)};
  for (const auto& s : three) save_replay_shard(dir.file("set"), s);
  const auto loaded = load_replay_set(dir.file("set"));
  ASSERT_EQ(loaded.size(), 3u);
  EXPECT_EQ(multiset_of(loaded), multiset_of(three));
  EXPECT_EQ(loaded[1].seen, 7);
  const auto two = reshard(loaded, 2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(multiset_of(two), multiset_of(three));
  EXPECT_EQ(two[0].capacity + two[1].capacity, 30);
  EXPECT_EQ(two[0].seen + two[1].seen, 10 + 7 + 4);
  EXPECT_LE(static_cast<std::int64_t>(two[0].samples.size()), two[0].capacity);
  // And back to 4 ranks.
  EXPECT_EQ(multiset_of(reshard(two, 4)), multiset_of(three));
  EXPECT_NE(describe_replay(dir.file("set")).find("21 samples"), std::string::npos);
}

TEST(ReplayStore, IncompleteSetIsRejected) {
  testing::TempDir dir;
  save_replay_shard(dir.file("set"), shard_with(0, 2, 0, 3));
  try {
    load_replay_set(dir.file("set"));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("holds 1 replay shards"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mnemo::replay
