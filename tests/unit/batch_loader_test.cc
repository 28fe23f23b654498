// Tests: the streaming loader returns exactly the rows its epoch order
//   names (checked against direct reads), whatever the window, the thread
//   or the first batch; the order is a permutation and, with one window, the
//   plain seeded shuffle; a damaged shard surfaces as an InputError in next();
//   a window memo shared by epochs reads a key once and changes no batch;
//   a share reads every label but only its rows' samples, and the shares
//   of N ranks read the samples once between them; read_images of
//   scattered rows equals direct reads, by file offset and through HDF5.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <thread>

#include <hdf5.h>

#include "core/error.h"
#include "data/batch_loader.h"
#include "data/prepare/class_split.h"
#include "data/prepare/stream_writer.h"
#include "data/prepare/synthetic.h"
#include "test_dir.h"

namespace mnemo::data {
namespace {

std::string write_stream_of(const testing::TempDir& dir, int shards, int deflate = 0) {
  SyntheticOptions o;
  o.classes = 4;
  o.train_per_class = 25;
  o.test_per_class = 3;
  o.side = 3;
  const SourceDataset src = make_synthetic(o);
  const auto order = seeded_class_order(src.num_classes, 1);
  StreamLayout layout;
  layout.shards = shards;
  layout.chunk_rows = 8;
  layout.deflate = deflate;
  const std::string out = dir.file(deflate > 0 ? "compressed" : "s");
  write_class_incremental_stream(out, src, split_classes(order, 2, 2), order, 1, layout, false);
  return out;
}

TEST(EpochOrder, IsAPermutationVisitingWholeWindows) {
  const EpochOrder e = epoch_order(23, 5, Rng(7));
  std::vector<std::int64_t> sorted = e.rows;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::int64_t> all(23);
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(sorted, all);
  ASSERT_EQ(e.windows.size(), 5u);
  std::size_t p = 0;
  for (const auto& w : e.windows) {  // each window's rows are contiguous in the order
    ASSERT_EQ(w.size(), 1u);
    for (std::int64_t i = 0; i < w[0].size(); ++i, ++p) {
      EXPECT_GE(e.rows[p], w[0].begin);
      EXPECT_LT(e.rows[p], w[0].end);
      EXPECT_EQ(e.rows[p], w[0].begin + e.local[p]);
    }
  }
  EXPECT_NE(e.rows, all) << "a seeded order should not be the identity";
  EXPECT_EQ(epoch_order(23, 5, std::nullopt).rows, all);
}

TEST(EpochOrder, WindowsOfSeveralSegmentsMixEverySegment) {
  // Two tasks of 10 rows (as joint training reads them), windows of 5: each
  // of the 4 windows holds a quarter of each task, so no batch sees one task only.
  const EpochOrder e = epoch_order(std::vector<std::int64_t>{10, 10}, 5, Rng(2));
  ASSERT_EQ(e.windows.size(), 4u);
  std::size_t p = 0;
  for (const auto& w : e.windows) {
    ASSERT_EQ(w.size(), 2u);
    bool first = false, second = false;
    for (std::int64_t i = 0; i < EpochOrder::size(w); ++i, ++p) {
      (e.rows[p] < 10 ? first : second) = true;
    }
    EXPECT_TRUE(first && second);
  }
  std::vector<std::int64_t> sorted = e.rows;
  std::sort(sorted.begin(), sorted.end());
  for (std::int64_t i = 0; i < 20; ++i) EXPECT_EQ(sorted[static_cast<std::size_t>(i)], i);
}

TEST(EpochOrder, OneWindowIsThePlainSeededShuffle) {
  std::vector<std::int64_t> want(40);
  std::iota(want.begin(), want.end(), 0);
  Rng(3).shuffle(want);
  EXPECT_EQ(epoch_order(40, 40, Rng(3)).rows, want);
  EXPECT_EQ(epoch_order(40, 1000, Rng(3)).rows, want);
}

// Every batch equals the rows the order names, read directly from the
// stream: every label and source, and the share's samples. Returns the
// loader's bytes read.
std::int64_t expect_batches_match(const StreamReader& reader, const std::vector<Segment>& segments,
                                  std::int64_t window, bool background, std::int64_t first_batch,
                                  std::uint64_t seed = 11, std::shared_ptr<WindowMemo> memo = nullptr,
                                  BatchLoader::Share share = {}) {
  std::int64_t n = 0;
  for (const auto& s : segments) n += s.rows.size();
  std::vector<Range> batches;
  for (std::int64_t a = first_batch * 7; a < n; a += 7) batches.push_back({a, std::min(n, a + 7)});
  BatchLoader::Options o;
  o.window = window;
  o.shuffle = Rng(seed);
  o.background = background;
  o.memo = std::move(memo);
  o.share = share;
  BatchLoader loader(reader, Split::kTrain, segments, batches, o);
  std::vector<std::int64_t> sizes;
  for (const auto& s : segments) sizes.push_back(s.rows.size());
  const EpochOrder order = epoch_order(sizes, window, Rng(seed));
  const std::int64_t ss = reader.sample_size();
  std::size_t b = 0;
  while (auto block = loader.next()) {
    EXPECT_LT(b, batches.size());
    if (b >= batches.size()) break;
    EXPECT_EQ(block->count(), batches[b].size());
    const Range mine = block_range(batches[b].size(), share.parts, share.index);
    EXPECT_EQ(block->share, mine);
    EXPECT_EQ(static_cast<std::int64_t>(block->images.size()), mine.size() * ss);
    for (std::int64_t p = batches[b].begin; p < batches[b].end; ++p) {
      std::int64_t row = order.rows[static_cast<std::size_t>(p)];
      std::size_t s = 0;
      while (row >= segments[s].rows.size()) row -= segments[s++].rows.size();
      const SampleBlock want = reader.read(segments[s].task, Split::kTrain,
                                           {segments[s].rows.begin + row, segments[s].rows.begin + row + 1});
      const std::int64_t i = p - batches[b].begin;
      EXPECT_EQ(block->labels[static_cast<std::size_t>(i)], want.labels[0]);
      EXPECT_EQ(block->sources[static_cast<std::size_t>(i)].task, segments[s].task);
      EXPECT_EQ(block->sources[static_cast<std::size_t>(i)].row, segments[s].rows.begin + row);
      if (i >= mine.begin && i < mine.end) {
        EXPECT_TRUE(std::equal(want.images.begin(), want.images.end(), block->images.begin() + (i - mine.begin) * ss));
      }
    }
    ++b;
  }
  EXPECT_EQ(b, batches.size());
  return loader.bytes_read();
}

TEST(BatchLoader, BatchesAreTheOrderedRowsForAnyWindowThreadAndStart) {
  testing::TempDir dir;
  const StreamReader reader(write_stream_of(dir, 3));
  // Two tasks' blocks concatenated (as cumulative training reads them).
  const std::vector<Segment> segments = {{0, {3, 41}}, {1, {0, 30}}};
  for (std::int64_t window : {1, 6, 16, 1000}) {
    for (bool background : {true, false}) {
      for (std::int64_t first : {0, 4}) {
        SCOPED_TRACE("window " + std::to_string(window) + (background ? " thread" : " inline") + " first batch " +
                     std::to_string(first));
        expect_batches_match(reader, segments, window, background, first);
      }
    }
  }
}

TEST(BatchLoader, SharesReadEveryLabelAndOnlyTheirSamples) {
  testing::TempDir dir;
  for (int deflate : {0, 4}) {  // by file offset; through HDF5
    const StreamReader reader(write_stream_of(dir, 3, deflate));
    const std::vector<Segment> segments = {{0, {3, 41}}, {1, {0, 30}}};  // 68 rows
    const std::int64_t rows = 68, ss = reader.sample_size(), labels = rows * 8;
    for (std::int64_t window : {6, 1000}) {
      for (int parts : {1, 2, 3, 4}) {
        std::int64_t images = 0;
        for (int index = 0; index < parts; ++index) {
          SCOPED_TRACE("deflate " + std::to_string(deflate) + " window " + std::to_string(window) + " share " +
                       std::to_string(index) + "/" + std::to_string(parts));
          const std::int64_t bytes = expect_batches_match(reader, segments, window, index % 2 == 0, 0, 11, nullptr,
                                                          {parts, index});
          images += bytes - labels;  // every share reads every label
        }
        EXPECT_EQ(images, rows * ss) << "the shares read each sample once between them (" << parts << " parts)";
      }
    }
  }
}

TEST(StreamReader, ReadImagesOfScatteredRowsEqualsDirectReads) {
  testing::TempDir dir;
  for (int deflate : {0, 4}) {
    const StreamReader reader(write_stream_of(dir, 3, deflate));  // task 0: 50 rows over 3 shards, chunks of 8
    EXPECT_EQ(reader.reads_by_offset(0, Split::kTrain), deflate == 0);
    const std::vector<std::int64_t> rows = {0, 1, 2, 7, 8, 9, 16, 17, 30, 31, 32, 33, 49};
    std::vector<std::uint8_t> got(rows.size() * static_cast<std::size_t>(reader.sample_size()));
    reader.read_images(0, Split::kTrain, rows, got.data());
    const SampleBlock all = reader.read(0, Split::kTrain, {0, 50});
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto* want = all.images.data() + rows[i] * reader.sample_size();
      EXPECT_TRUE(std::equal(want, want + reader.sample_size(), got.begin() + static_cast<std::ptrdiff_t>(i) * reader.sample_size()))
          << "deflate " << deflate << " row " << rows[i];
    }
  }
}

TEST(StreamReader, TruncatedShardIsAnInputErrorNamingIt) {
  testing::TempDir dir;
  const std::string stream = write_stream_of(dir, 1);
  const std::string shard = stream + "/" + shard_file(0, 1);
  const StreamReader reader(stream);  // opened whole; the file is cut under it
  std::filesystem::resize_file(shard, 4096);
  std::vector<std::uint8_t> got(static_cast<std::size_t>(reader.sample_size()));
  std::string message = "(no InputError)";
  try {
    reader.read_images(1, Split::kTrain, {49}, got.data());
  } catch (const InputError& e) {
    message = e.what();
  }
  EXPECT_NE(message.find(shard_file(0, 1)), std::string::npos) << message;
  EXPECT_NE(message.find("images rows 49..50"), std::string::npos) << message;
}

TEST(BatchLoader, EpochsSharingAWindowMemoGetTheSameRows) {
  testing::TempDir dir;
  const StreamReader reader(write_stream_of(dir, 3));
  const std::vector<Segment> segments = {{0, {3, 41}}, {1, {0, 30}}};
  for (std::int64_t window : {6, 1000}) {  // several windows; the whole epoch in one (the memo's hit)
    auto memo = std::make_shared<WindowMemo>();
    for (std::uint64_t epoch = 0; epoch < 3; ++epoch) {
      SCOPED_TRACE("window " + std::to_string(window) + " epoch " + std::to_string(epoch));
      expect_batches_match(reader, segments, window, epoch != 1, 0, 100 + epoch, memo);
    }
    if (window == 1000) {
      EXPECT_EQ(memo->reads(), 1) << "later epochs should take the first epoch's window";
    } else {
      EXPECT_GE(memo->reads(), 3 * 11) << "12 windows an epoch, re-read";
    }
  }
}

TEST(WindowMemo, ReadsAKeyOnceAndRereadsAfterAnotherKeyOrAFailure) {
  WindowMemo memo;
  std::atomic<int> reads{0};
  auto block_of = [&](std::uint8_t v) {
    return [&reads, v] {
      ++reads;
      WindowRows b;
      b.images = {v};
      b.labels = {v};
      return b;
    };
  };
  const auto a = memo.get("a", block_of(1));
  EXPECT_EQ(memo.get("a", block_of(2)), a);  // the same block, not read again
  EXPECT_EQ(reads, 1);
  EXPECT_EQ(memo.get("b", block_of(3))->images[0], 3);
  EXPECT_EQ(memo.get("a", block_of(4))->images[0], 4);  // one key held: "a" was dropped
  EXPECT_EQ(reads, 3);
  EXPECT_THROW(memo.get("c", [&]() -> WindowRows { ++reads; throw InputError("shard damaged"); }), InputError);
  EXPECT_EQ(memo.get("c", block_of(5))->images[0], 5);  // a failed read is not remembered
  EXPECT_EQ(reads, 5);
  EXPECT_EQ(memo.reads(), 5);
  // Loaders asking at once: one read, the others wait for it.
  std::vector<std::thread> threads;
  std::vector<WindowMemo::Block> got(4);
  for (std::size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] {
      got[i] = memo.get("d", [&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return block_of(6)();
      });
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(reads, 6);
  for (const auto& g : got) EXPECT_EQ(g, got[0]);
}

TEST(BatchLoader, DamagedLabelIsAnInputErrorFromNext) {
  testing::TempDir dir;
  const std::string stream = write_stream_of(dir, 1);
  {  // label 99 written into row 30 of task 0's training labels
    const std::string shard = stream + "/" + shard_file(0, 1);
    const hid_t file = H5Fopen(shard.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    const hid_t ds = H5Dopen2(file, "/task_000/train/labels", H5P_DEFAULT);
    ASSERT_GE(ds, 0);
    std::vector<std::int64_t> labels(50);
    ASSERT_GE(H5Dread(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, labels.data()), 0);
    labels[30] = 99;
    ASSERT_GE(H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, labels.data()), 0);
    H5Dclose(ds);
    H5Fclose(file);
  }
  const StreamReader reader(stream);
  for (bool background : {true, false}) {
    BatchLoader::Options o;
    o.window = 8;
    o.background = background;
    BatchLoader loader(reader, Split::kTrain, {{0, {0, 50}}}, {{0, 25}, {25, 50}}, o);
    std::string message = "(no InputError)";
    try {
      while (loader.next()) {
      }
    } catch (const InputError& e) {
      message = e.what();
    }
    EXPECT_NE(message.find(shard_file(0, 1)), std::string::npos) << message;
    EXPECT_NE(message.find("labels[30] is 99"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace mnemo::data
