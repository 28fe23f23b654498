// Tests: reservoir sampling keeps every stream position with probability
//   capacity / n (chi-square over many independent runs), bounded size,
//   uniform distinct minibatches; the class-balanced and ring policies'
//   statistics; the shards of N ranks hold exactly the one-rank buffer and
//   draw the same replay batches; HDF5 round trips; resharding 3 -> 2 -> 4
//   through the production writer and ReplayBuffer::restore keeps the
//   multiset and the later decisions; write failures are StorageErrors,
//   damaged shards InputErrors.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "core/error.h"

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

// Sample i of a synthetic global stream: a 4-byte image, label, task and 2 logits.
struct Streamed {
  std::uint8_t image[4];
  std::int64_t label, task;
  float logits[2];
};
Streamed streamed(std::int64_t i) {
  return {{static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i >> 8), 2, 3}, i % 7, i / 40, {1.0f * i, -1.0f}};
}

// The buffer of rank `rank` of `world` after offering stream samples [from, to).
void feed(ReplayBuffer& buf, std::int64_t from, std::int64_t to) {
  for (std::int64_t i = from; i < to; ++i) {
    const Streamed x = streamed(i);
    buf.add(x.image, x.label, x.task, x.logits);
  }
}

using SampleSet = std::multiset<std::tuple<std::int64_t, std::vector<std::uint8_t>, std::int64_t, std::int64_t,
                                           std::vector<float>>>;
SampleSet set_of(const std::vector<Sample>& samples) {
  SampleSet out;
  for (const auto& x : samples) out.insert({x.slot, x.image, x.label, x.task, x.logits});
  return out;
}

std::vector<ReplayBuffer> buffers(int world, Policy policy = Policy::kReservoir) {
  std::vector<ReplayBuffer> out;
  for (int r = 0; r < world; ++r) out.emplace_back(BufferGeometry{30, 4, 2, 3, world, r}, policy, 9);
  return out;
}

std::vector<Sample> union_of(const std::vector<ReplayBuffer>& bufs) {
  std::vector<Sample> all;
  for (const auto& b : bufs) {
    const auto mine = b.samples();
    all.insert(all.end(), mine.begin(), mine.end());
  }
  return all;
}

TEST(DistributedBuffer, ShardsOfAnyWorldSizeHoldExactlyTheSingleRankBuffer) {
  for (Policy policy : {Policy::kReservoir, Policy::kClassBalanced, Policy::kRing}) {
    auto one = buffers(1, policy);
    feed(one[0], 0, 100);
    for (int world : {2, 3, 4}) {
      auto ranks = buffers(world, policy);
      for (auto& b : ranks) feed(b, 0, 100);
      EXPECT_EQ(set_of(union_of(ranks)), set_of(one[0].samples())) << policy_name(policy) << " on " << world;
      for (int r = 0; r < world; ++r) {
        EXPECT_LE(ranks[r].local_size(), ranks[r].local_capacity());
        for (const auto& x : ranks[r].samples()) EXPECT_EQ(x.slot % world, r);
        auto fresh = buffers(1, policy);  // the same stream on one rank: the same replay draws
        feed(fresh[0], 0, 100);
        EXPECT_EQ(ranks[r].sample(7), fresh[0].sample(7)) << "replay draws differ on rank " << r;
      }
    }
  }
}

// The buffers of one world saved through the production writer, one shard
// per rank, as every rank of a run does.
void save_all(const std::string& dir, const std::vector<ReplayBuffer>& ranks) {
  const int world = static_cast<int>(ranks.size());
  for (int r = 0; r < world; ++r) save_replay_buffer(dir, ranks[r], {1, 2, 2}, data::SampleType::kUInt8, r, world, 30);
}

// The set in `dir` restored onto `world` ranks as a resumed run does
// (ReplayMemory::load): every rank reads the whole set and keeps its slots.
std::vector<ReplayBuffer> restore_onto(const std::string& dir, int world, Policy policy = Policy::kReservoir) {
  const auto set = load_replay_set(dir);
  auto out = buffers(world, policy);
  for (auto& b : out) b.restore(all_samples(set), set[0].state);
  return out;
}

// Every buffer of `ranks` holds only its own slots, and their capacities
// add up to the global one.
void expect_own_slots(const std::vector<ReplayBuffer>& ranks) {
  const int world = static_cast<int>(ranks.size());
  std::int64_t capacity = 0;
  for (int r = 0; r < world; ++r) {
    for (const auto& x : ranks[r].samples()) EXPECT_EQ(x.slot % world, r) << "on " << world << " ranks";
    capacity += ranks[r].local_capacity();
  }
  EXPECT_EQ(capacity, 30);
}

TEST(ReplayStore, RoundTripAndResharding3To2To4KeepTheMultisetAndLaterDecisions) {
  testing::TempDir dir;
  auto three = buffers(3);
  for (auto& b : three) feed(b, 0, 80);
  save_all(dir.file("three"), three);
  const auto loaded = load_replay_set(dir.file("three"));
  ASSERT_EQ(loaded.size(), 3u);
  EXPECT_EQ(set_of(all_samples(loaded)), set_of(union_of(three)));
  EXPECT_EQ(loaded[1].state.seen, 80);
  // 3 -> 2, saved again by the 2 ranks, then 2 -> 4.
  auto two = restore_onto(dir.file("three"), 2);
  EXPECT_EQ(set_of(union_of(two)), set_of(union_of(three)));
  expect_own_slots(two);
  save_all(dir.file("two"), two);
  const auto two_on_disk = load_replay_set(dir.file("two"));
  ASSERT_EQ(two_on_disk.size(), 2u);
  EXPECT_EQ(two_on_disk[0].capacity + two_on_disk[1].capacity, 30);
  for (const auto& x : two_on_disk[1].samples) EXPECT_EQ(x.slot % 2, 1);
  auto four = restore_onto(dir.file("two"), 4);
  EXPECT_EQ(set_of(union_of(four)), set_of(union_of(three)));
  expect_own_slots(four);
  // Restored on 2 and on 4 ranks, the memory goes on exactly as the 3-rank one does.
  for (auto* world : {&two, &four, &three}) {
    for (auto& b : *world) feed(b, 80, 200);
  }
  EXPECT_EQ(set_of(union_of(two)), set_of(union_of(three)));
  EXPECT_EQ(set_of(union_of(four)), set_of(union_of(three)));
  const auto draw = three[0].sample(7);
  for (auto& b : two) EXPECT_EQ(b.sample(7), draw);
  for (auto& b : four) EXPECT_EQ(b.sample(7), draw);
  EXPECT_NE(describe_replay(dir.file("three")).find("30 samples"), std::string::npos)
      << describe_replay(dir.file("three"));
}

// save_replay_buffer writes from the buffer's storage (directly when the
// filled rows are consecutive, gathered otherwise); the shard must hold what
// the buffer's per-sample copies (samples()) and state() say, for every
// policy, partly and fully filled, with logits.
TEST(ReplayStore, SavedShardHoldsExactlyTheBuffersSamplesAndState) {
  for (Policy policy : {Policy::kReservoir, Policy::kClassBalanced, Policy::kRing}) {
    for (std::int64_t fed : {7, 200}) {
      testing::TempDir dir;
      auto three = buffers(3, policy);
      for (auto& b : three) feed(b, 0, fed);
      save_all(dir.file("set"), three);
      const auto saved = load_replay_set(dir.file("set"));
      ASSERT_EQ(saved.size(), 3u);
      for (int r = 0; r < 3; ++r) {
        EXPECT_EQ(set_of(saved[r].samples), set_of(three[r].samples())) << policy_name(policy) << " fed " << fed;
        EXPECT_EQ(saved[r].capacity, three[r].local_capacity());
        EXPECT_EQ(saved[r].state.seen, fed);
        EXPECT_EQ(saved[r].state.rng_state, three[r].state().rng_state);
        EXPECT_EQ(saved[r].state.ring_next, three[r].state().ring_next);
      }
    }
  }
  // Ring regions filled in part (task 1's holds 3 of its 10 slots): holes
  // between filled slots, so the rows are gathered.
  testing::TempDir dir;
  auto one = buffers(1, Policy::kRing);
  feed(one[0], 0, 120);
  std::vector<Sample> holes;
  for (const auto& x : one[0].samples()) {
    if (x.slot < 5 || (x.slot >= 10 && x.slot < 13) || x.slot >= 20) holes.push_back(x);
  }
  auto restored = buffers(1, Policy::kRing);
  restored[0].restore(holes, one[0].state());
  save_all(dir.file("holes"), restored);
  EXPECT_EQ(set_of(load_replay_set(dir.file("holes"))[0].samples), set_of(holes));
  // ... and restored onto 2 ranks, the holes stay where they were.
  EXPECT_EQ(set_of(union_of(restore_onto(dir.file("holes"), 2, Policy::kRing))), set_of(holes));
}

TEST(ReplayStore, IncompleteSetIsRejected) {
  testing::TempDir dir;
  auto two = buffers(2);
  feed(two[0], 0, 10);
  save_replay_buffer(dir.file("set"), two[0], {1, 2, 2}, data::SampleType::kUInt8, 0, 2, 30);
  try {
    load_replay_set(dir.file("set"));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("holds 1 replay shards"), std::string::npos) << e.what();
  }
}

// A shard that cannot be written is a storage failure (exit 5) naming the
// file, not bad input; a shard that cannot be read stays bad input (exit 3).
TEST(ReplayStore, UnwritableDirectoryIsAStorageErrorNamingIt) {
  testing::TempDir dir;
  { std::ofstream(dir.file("a-file")) << "x"; }
  auto one = buffers(1);
  feed(one[0], 0, 10);
  const std::string below_a_file = dir.file("a-file") + "/replay";
  try {
    save_replay_buffer(below_a_file, one[0], {1, 2, 2}, data::SampleType::kUInt8, 0, 1, 30);
    FAIL() << "saved below a regular file";
  } catch (const StorageError& e) {
    EXPECT_EQ(e.exit_code(), 5);
    EXPECT_NE(std::string(e.what()).find(below_a_file), std::string::npos) << e.what();
  }
}

TEST(ReplayStore, CorruptShardIsAnInputErrorNamingIt) {
  testing::TempDir dir;
  auto one = buffers(1);
  feed(one[0], 0, 10);
  save_all(dir.file("set"), one);
  const std::string shard = dir.file("set") + "/" + replay_shard_name(0, 1);
  std::filesystem::resize_file(shard, std::filesystem::file_size(shard) / 2);
  try {
    load_replay_shard(shard);
    FAIL() << "read a truncated shard";
  } catch (const InputError& e) {
    EXPECT_EQ(e.exit_code(), 3);
    EXPECT_NE(std::string(e.what()).find(shard), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mnemo::replay
