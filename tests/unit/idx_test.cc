// Tests: IDX parsing of gz and raw files, and every kind of bad file.
#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "data/io/idx.h"
#include "test_dir.h"

namespace mnemo::io {
namespace {

IdxArray sample_array() {
  IdxArray a;
  a.shape = {3, 2, 2};
  for (int i = 0; i < 12; ++i) a.data.push_back(static_cast<std::uint8_t>(i * 20));
  return a;
}

void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// A raw IDX file written by hand, byte by byte (independent of write_idx).
std::vector<std::uint8_t> hand_made_idx() {
  return {0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6};
}

template <class F> std::string error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Idx, ReadsHandMadeRawFile) {
  testing::TempDir dir;
  write_bytes(dir.file("a-idx2-ubyte"), hand_made_idx());
  const IdxArray a = read_idx(dir.file("a-idx2-ubyte"));
  EXPECT_EQ(a.shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(a.data, (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6}));
}

TEST(Idx, RoundTripsGzipAndRaw) {
  testing::TempDir dir;
  for (bool gz : {true, false}) {
    const std::string path = dir.file(gz ? "x.gz" : "x");
    write_idx(path, sample_array(), gz);
    const IdxArray b = read_idx(path);
    EXPECT_EQ(b.shape, sample_array().shape);
    EXPECT_EQ(b.data, sample_array().data);
  }
}

TEST(Idx, MissingFileNamesThePath) {
  const std::string msg = error_of([] { read_idx("/nonexistent/train-images-idx3-ubyte"); });
  EXPECT_NE(msg.find("/nonexistent/train-images-idx3-ubyte"), std::string::npos) << msg;
}

TEST(Idx, BadMagicIsRejected) {
  testing::TempDir dir;
  auto bytes = hand_made_idx();
  bytes[0] = 0x1f;
  write_bytes(dir.file("bad"), bytes);
  const std::string msg = error_of([&] { read_idx(dir.file("bad")); });
  EXPECT_NE(msg.find("bad magic"), std::string::npos) << msg;
  EXPECT_NE(msg.find(dir.file("bad")), std::string::npos) << msg;
}

TEST(Idx, UnsupportedTypeIsRejected) {
  testing::TempDir dir;
  auto bytes = hand_made_idx();
  bytes[2] = 0x0D;  // float
  write_bytes(dir.file("f"), bytes);
  EXPECT_NE(error_of([&] { read_idx(dir.file("f")); }).find("element type"), std::string::npos);
}

TEST(Idx, TruncatedDataIsRejected) {
  testing::TempDir dir;
  auto bytes = hand_made_idx();
  bytes.pop_back();
  write_bytes(dir.file("t"), bytes);
  const std::string msg = error_of([&] { read_idx(dir.file("t")); });
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
}

TEST(Idx, TruncatedHeaderIsRejected) {
  testing::TempDir dir;
  write_bytes(dir.file("h"), {0, 0, 0x08, 3, 0, 0});
  EXPECT_NE(error_of([&] { read_idx(dir.file("h")); }).find("truncated"), std::string::npos);
}

TEST(Idx, TrailingBytesAreRejected) {
  testing::TempDir dir;
  auto bytes = hand_made_idx();
  bytes.push_back(9);
  write_bytes(dir.file("t"), bytes);
  EXPECT_NE(error_of([&] { read_idx(dir.file("t")); }).find("after the declared data"), std::string::npos);
}

TEST(Idx, ZeroDimensionsAreRejected) {
  testing::TempDir dir;
  write_bytes(dir.file("z"), {0, 0, 0x08, 0});
  EXPECT_NE(error_of([&] { read_idx(dir.file("z")); }).find("dimensions"), std::string::npos);
}

TEST(Idx, CorruptGzipIsRejected) {
  testing::TempDir dir;
  write_idx(dir.file("c.gz"), sample_array(), true);
  std::vector<std::uint8_t> bytes;
  {
    std::ifstream in(dir.file("c.gz"), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes.resize(bytes.size() / 2);  // cut the deflate stream
  write_bytes(dir.file("c.gz"), bytes);
  EXPECT_FALSE(error_of([&] { read_idx(dir.file("c.gz")); }).empty());
}

}  // namespace
}  // namespace mnemo::io
