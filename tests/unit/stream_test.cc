// Tests: a prepared stream reads back exactly (any row range, across shard
//   boundaries), damaged streams give errors naming the file, and an
//   unwritable output is a storage error.
#include <gtest/gtest.h>

#include <hdf5.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "core/error.h"
#include "data/prepare/class_split.h"
#include "data/stream_reader.h"
#include "data/prepare/stream_writer.h"
#include "data/prepare/synthetic.h"
#include "test_dir.h"

namespace mnemo::data {
namespace {

namespace fs = std::filesystem;

SourceDataset small_source() {
  SyntheticOptions o;
  o.classes = 4;
  o.train_per_class = 13;
  o.test_per_class = 5;
  o.side = 3;
  return make_synthetic(o);
}

std::string write_small_stream(const testing::TempDir& dir, const std::string& name, int shards) {
  const auto src = small_source();
  const auto order = seeded_class_order(src.num_classes, 5);
  StreamLayout layout;
  layout.shards = shards;
  layout.chunk_rows = 4;
  const std::string out = dir.file(name);
  write_class_incremental_stream(out, src, split_classes(order, 2, 2), order, 5, layout, false);
  return out;
}

template <class F> std::string input_error(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

TEST(Stream, ReadsBackEverySampleOfEachTask) {
  testing::TempDir dir;
  const auto src = small_source();
  const StreamReader reader(write_small_stream(dir, "s", 3));
  ASSERT_EQ(reader.num_tasks(), 2);
  EXPECT_EQ(reader.image_shape(), (std::vector<std::int64_t>{1, 3, 3}));
  for (std::int64_t t = 0; t < 2; ++t) {
    const auto& info = reader.task(t);
    EXPECT_EQ(info.train_count, 26);
    EXPECT_EQ(info.test_count, 10);
    const SampleBlock all = reader.read(t, Split::kTrain, {0, info.train_count});
    // The multiset of (label, image) equals the source's samples of those classes.
    std::map<std::pair<std::int64_t, std::vector<std::uint8_t>>, int> want, got;
    for (std::int64_t i = 0; i < src.train.count(); ++i) {
      const auto label = src.train.labels[i];
      if (std::find(info.classes.begin(), info.classes.end(), label) == info.classes.end()) continue;
      ++want[{label, {src.train.images.begin() + i * 9, src.train.images.begin() + (i + 1) * 9}}];
    }
    for (std::int64_t i = 0; i < all.count(); ++i) {
      ++got[{all.labels[i], {all.images.begin() + i * 9, all.images.begin() + (i + 1) * 9}}];
    }
    EXPECT_EQ(got, want);
    // A range that crosses shard boundaries equals the same slice of the whole.
    const SampleBlock part = reader.read(t, Split::kTrain, {5, 21});
    ASSERT_EQ(part.count(), 16);
    EXPECT_TRUE(std::equal(part.labels.begin(), part.labels.end(), all.labels.begin() + 5));
    EXPECT_TRUE(std::equal(part.images.begin(), part.images.end(), all.images.begin() + 5 * 9));
  }
}

TEST(Stream, SamplesAreShuffledWithinATask) {
  testing::TempDir dir;
  const StreamReader reader(write_small_stream(dir, "s", 1));
  const SampleBlock all = reader.read(0, Split::kTrain, {0, reader.task(0).train_count});
  // Not sorted by label (the source interleaves classes; a shuffle breaks any pattern).
  int changes = 0;
  for (std::size_t i = 1; i < all.labels.size(); ++i) changes += all.labels[i] != all.labels[i - 1];
  EXPECT_GT(changes, 3);
  EXPECT_LT(changes, 25);
}

TEST(Stream, ExistingOutputIsNotOverwritten) {
  testing::TempDir dir;
  write_small_stream(dir, "s", 1);
  EXPECT_THROW(write_small_stream(dir, "s", 1), UsageError);
}

TEST(Stream, MissingDirectoryNamesIt) {
  EXPECT_NE(input_error([] { StreamReader("/nonexistent/stream"); }).find("/nonexistent/stream"), std::string::npos);
}

TEST(Stream, MissingShardIsNamed) {
  testing::TempDir dir;
  const std::string s = write_small_stream(dir, "s", 2);
  fs::remove(fs::path(s) / shard_file(1, 2));
  const std::string msg = input_error([&] { StreamReader{s}; });
  EXPECT_NE(msg.find(shard_file(1, 2)), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing"), std::string::npos) << msg;
}

TEST(Stream, TruncatedShardIsNamed) {
  testing::TempDir dir;
  const std::string s = write_small_stream(dir, "s", 2);
  const fs::path shard = fs::path(s) / shard_file(0, 2);
  fs::resize_file(shard, fs::file_size(shard) / 2);
  const std::string msg = input_error([&] {
    StreamReader r(s);
    r.read(0, Split::kTrain, {0, r.task(0).train_count});
  });
  EXPECT_NE(msg.find(shard.string()), std::string::npos) << msg;
  // The stream reader, not the HDF5 layer, says what to do about it.
  EXPECT_NE(msg.find("prepare the stream again"), std::string::npos) << msg;
}

// An output that cannot be created is a storage failure (exit code 5, the
// README's table) naming the path, not bad input.
TEST(Stream, UnwritableOutputIsAStorageErrorNamingIt) {
  testing::TempDir dir;
  { std::ofstream(dir.file("a-file")) << "x"; }
  try {
    write_small_stream(dir, "a-file/s", 1);
    FAIL() << "wrote a stream below a regular file";
  } catch (const StorageError& e) {
    EXPECT_EQ(e.exit_code(), 5);
    EXPECT_NE(std::string(e.what()).find(dir.file("a-file/s")), std::string::npos) << e.what();
  }
}

TEST(Stream, ShardOfAnotherStreamIsRejected) {
  testing::TempDir dir;
  const std::string a = write_small_stream(dir, "a", 2);
  const std::string b = write_small_stream(dir, "b", 2);
  fs::copy_file(fs::path(b) / shard_file(1, 2), fs::path(a) / shard_file(1, 2),
                fs::copy_options::overwrite_existing);
  EXPECT_NE(input_error([&] { StreamReader{a}; }).find("different stream"), std::string::npos);
}

// Rewrites an integer attribute of the manifest with the raw C API.
void set_manifest_int(const std::string& stream, const char* name, std::int64_t value) {
  const std::string path = (fs::path(stream) / kManifestFile).string();
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  hid_t a = H5Aopen(f, name, H5P_DEFAULT);
  ASSERT_GE(a, 0);
  ASSERT_GE(H5Awrite(a, H5T_NATIVE_INT64, &value), 0);
  H5Aclose(a);
  H5Fclose(f);
  write_checksums(stream, {kManifestFile, shard_file(0, 1)});  // as if prepared that way
}

TEST(Stream, UnknownFormatVersionIsRejected) {
  testing::TempDir dir;
  const std::string s = write_small_stream(dir, "s", 1);
  set_manifest_int(s, "format_version", 99);
  const std::string msg = input_error([&] { StreamReader{s}; });
  EXPECT_NE(msg.find("format version 99"), std::string::npos) << msg;
  EXPECT_NE(msg.find(kManifestFile), std::string::npos) << msg;
}

TEST(Stream, WrongClassCountIsRejected) {
  testing::TempDir dir;
  const std::string s = write_small_stream(dir, "s", 1);
  set_manifest_int(s, "num_classes", 2);  // task 1's classes fall outside [0, 2)
  EXPECT_NE(input_error([&] { StreamReader{s}; }).find("outside"), std::string::npos);
}

TEST(Stream, DamagedManifestIsCaughtByItsChecksumBeforeHdf5ParsesIt) {
  testing::TempDir dir;
  const std::string s = write_small_stream(dir, "s", 1);
  { std::ofstream(fs::path(s) / kManifestFile) << "not hdf5"; }
  const std::string msg = input_error([&] { StreamReader{s}; });
  EXPECT_NE(msg.find("does not match its SHA-256"), std::string::npos) << msg;
  EXPECT_NE(msg.find(kManifestFile), std::string::npos) << msg;
  // With a matching checksum, libhdf5 itself rejects it.
  write_checksums(s, {kManifestFile, shard_file(0, 1)});
  EXPECT_NE(input_error([&] { StreamReader{s}; }).find("not HDF5"), std::string::npos);
}

TEST(Stream, MissingChecksumListIsRejected) {
  testing::TempDir dir;
  const std::string s = write_small_stream(dir, "s", 1);
  fs::remove(fs::path(s) / kChecksumFile);
  EXPECT_NE(input_error([&] { StreamReader{s}; }).find("not a complete mnemo stream"), std::string::npos);
}

}  // namespace
}  // namespace mnemo::data
