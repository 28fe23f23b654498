// Tests: float samples through the stream format (exact round trips of
//   float32 and float16, version-1 compatibility is in stream_test), the
//   normalisation statistics against a closed form, --dtype conversions, and
//   the time-ordered split.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "core/error.h"
#include "core/half.h"
#include "data/prepare/sample_convert.h"
#include "data/prepare/stream_writer.h"
#include "data/prepare/time_split.h"
#include "data/stream_reader.h"
#include "test_dir.h"

namespace mnemo::data {
namespace {

// n rows of d float32 features: row i, feature k = (i + 1) * (k - 1.5) * 1000 + k / 7 (unscaled, signed).
LabeledImages float_rows(std::int64_t n, std::int64_t d, std::int64_t classes) {
  LabeledImages x;
  x.type = SampleType::kFloat32;
  x.image_shape = {d};
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t k = 0; k < d; ++k) {
      const float v = static_cast<float>((i + 1) * (k - 1.5) * 1000 + k / 7.0);
      const auto* b = reinterpret_cast<const std::uint8_t*>(&v);
      x.images.insert(x.images.end(), b, b + 4);
    }
    x.labels.push_back(i % classes);
  }
  return x;
}

float f32(const std::vector<std::uint8_t>& bytes, std::int64_t i) {
  float v;
  std::memcpy(&v, bytes.data() + 4 * i, 4);
  return v;
}

std::string write(const testing::TempDir& dir, const LabeledImages& train, const LabeledImages& test,
                  const std::string& norm_source, std::int64_t shards = 2) {
  StreamHeader h;
  h.dataset = "floats";
  h.scenario = "time-ordered";
  h.num_tasks = 2;
  h.num_classes = 3;
  h.sample = {train.type, train.image_shape, {}, {}, norm_source};
  h.class_order = {0, 1, 2};
  StreamLayout layout;
  layout.shards = static_cast<int>(shards);
  layout.chunk_rows = 3;
  const std::string out = dir.file("s");
  // Task 0: the first half of the rows, task 1 the rest; every class in both.
  const std::int64_t half = train.count() / 2;
  std::vector<std::int64_t> a(static_cast<std::size_t>(half)), b(static_cast<std::size_t>(train.count() - half));
  std::iota(a.begin(), a.end(), 0);
  std::iota(b.begin(), b.end(), half);
  write_stream(out, h,
               [&](std::int64_t t) {
                 return TaskContent{{0, 1, 2}, take_rows(train, t == 0 ? a : b), test, {}, 0};
               },
               layout, false);
  return out;
}

using Rows = std::vector<std::pair<std::int64_t, std::vector<std::uint8_t>>>;

// The rows of a task as sorted (label, bytes) pairs: the writer shuffles them.
Rows rows_of(const StreamReader& r, std::int64_t t, Split s) {
  const SampleBlock block = r.read(t, s, {0, r.task(t).count(s)});
  Rows out;
  for (std::int64_t i = 0; i < block.count(); ++i) {
    out.emplace_back(block.labels[i], std::vector<std::uint8_t>(block.images.begin() + i * r.sample_size(),
                                                                block.images.begin() + (i + 1) * r.sample_size()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(FloatStream, Float32RowsReadBackBitExactWithTheirTypeAndShape) {
  testing::TempDir dir;
  const LabeledImages train = float_rows(20, 4, 3), test = float_rows(6, 4, 3);
  const StreamReader r(write(dir, train, test, ""));
  EXPECT_EQ(r.format_version(), 2);
  EXPECT_EQ(r.sample_format().type, SampleType::kFloat32);
  EXPECT_EQ(r.image_shape(), (std::vector<std::int64_t>{4}));
  EXPECT_EQ(r.sample_size(), 16);
  EXPECT_FALSE(r.sample_format().normalised());
  std::vector<std::int64_t> first(10);
  std::iota(first.begin(), first.end(), 0);
  const LabeledImages expect = take_rows(train, first);
  Rows want;
  for (std::int64_t i = 0; i < expect.count(); ++i) {
    want.emplace_back(expect.labels[i], std::vector<std::uint8_t>(expect.images.begin() + i * 16,
                                                                  expect.images.begin() + (i + 1) * 16));
  }
  std::sort(want.begin(), want.end());
  EXPECT_EQ(rows_of(r, 0, Split::kTrain), want);
}

TEST(FloatStream, Float16RowsReadBackExactly) {
  testing::TempDir dir;
  LabeledImages train = float_rows(8, 3, 3), test = float_rows(4, 3, 3);
  for (auto* x : {&train, &test}) {  // values exact in float16
    for (std::int64_t i = 0; i < x->count() * 3; ++i) {
      const float v = static_cast<float>(i % 11) * 0.25f - 1.0f;
      std::memcpy(x->images.data() + 4 * i, &v, 4);
    }
    *x = convert_samples(*x, SampleType::kFloat16, "test");
  }
  const StreamReader r(write(dir, train, test, ""));
  EXPECT_EQ(r.sample_format().type, SampleType::kFloat16);
  EXPECT_EQ(r.sample_size(), 6);
  const SampleBlock block = r.read(1, Split::kTest, {0, 4});
  std::vector<float> got(12);
  widen_to_float(SampleType::kFloat16, block.images.data(), 12, got.data());
  std::multiset<float> a(got.begin(), got.end()), b;
  for (std::int64_t i = 0; i < 12; ++i) b.insert(static_cast<float>(i % 11) * 0.25f - 1.0f);
  EXPECT_EQ(a, b);
}

TEST(FloatStream, FirstTaskStatisticsComeFromTaskZerosTrainingRowsOnly) {
  testing::TempDir dir;
  const LabeledImages train = float_rows(20, 4, 3), test = float_rows(6, 4, 3);
  const StreamReader r(write(dir, train, test, "first-task"));
  const SampleFormat& f = r.sample_format();
  ASSERT_TRUE(f.normalised());
  EXPECT_EQ(f.norm_source, "first-task");
  ASSERT_EQ(f.mean.size(), 4u);
  for (std::int64_t k = 0; k < 4; ++k) {  // closed form over rows 0..9: sum (i+1) = 55, sum (i+1)^2 = 385
    const double a = (k - 1.5) * 1000, c = k / 7.0;
    const double mean = a * 5.5 + c;
    const double var = a * a * (385.0 / 10 - 5.5 * 5.5);
    EXPECT_NEAR(f.mean[static_cast<std::size_t>(k)], mean, 1e-3 * std::max(1.0, std::fabs(mean))) << k;
    EXPECT_NEAR(f.std[static_cast<std::size_t>(k)], std::sqrt(var), 1e-3 * std::sqrt(var)) << k;
  }
}

TEST(FloatStream, AllTasksStatisticsUseEveryTrainingRow) {
  testing::TempDir dir;
  const LabeledImages train = float_rows(20, 2, 3), test = float_rows(6, 2, 3);
  const StreamReader r(write(dir, train, test, "all-tasks"));
  const double a = -1500.0;  // feature 0 over rows 0..19: mean a * 10.5, var a^2 * (2870/20 - 10.5^2)
  EXPECT_NEAR(r.sample_format().mean[0], a * 10.5, 1e-3);
  EXPECT_NEAR(r.sample_format().std[0], std::fabs(a) * std::sqrt(2870.0 / 20 - 10.5 * 10.5), 1e-2);
}

TEST(NormStats, ImagesArePerChannelInModelUnitsAndConstantGroupsGetStdOne) {
  LabeledImages x;
  x.image_shape = {2, 1, 2};  // channel 0 varies, channel 1 is constant 255
  x.images = {0, 255, 255, 255, 51, 102, 255, 255};
  x.labels = {0, 0};
  SampleFormat f{SampleType::kUInt8, {2, 1, 2}, {}, {}, "first-task"};
  NormStats s(f);
  s.add(x, {0, 1});
  std::vector<double> mean, std;
  s.finish(mean, std);
  const double v[4] = {0.0, 1.0, 0.2, 0.4};  // channel 0's values / 255
  const double m = (v[0] + v[1] + v[2] + v[3]) / 4;
  double var = 0;
  for (double e : v) var += (e - m) * (e - m) / 4;
  EXPECT_NEAR(mean[0], m, 1e-12);
  EXPECT_NEAR(std[0], std::sqrt(var), 1e-12);
  EXPECT_NEAR(mean[1], 1.0, 1e-12);
  EXPECT_EQ(std[1], 1.0);
}

TEST(ConvertSamples, Uint8BecomesTheSameModelInputAsFloat) {
  LabeledImages x;
  x.image_shape = {3};
  x.images = {0, 128, 255};
  x.labels = {0};
  const LabeledImages f = convert_samples(x, SampleType::kFloat32, "t");
  EXPECT_EQ(f32(f.images, 0), 0.0f);
  EXPECT_EQ(f32(f.images, 1), 128.0f / 255.0f);
  EXPECT_EQ(f32(f.images, 2), 1.0f);
}

TEST(ConvertSamples, FloatsOutsideUnitRangeCannotBecomeUint8AndTheRowIsNamed) {
  LabeledImages x = float_rows(3, 2, 2);
  try {
    convert_samples(x, SampleType::kUInt8, "data.h5");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("data.h5: row 0"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--dtype"), std::string::npos) << e.what();
  }
}

SourceDataset timed(std::vector<double> train_time, std::vector<double> test_time) {
  SourceDataset s;
  s.num_classes = 2;
  s.train = float_rows(static_cast<std::int64_t>(train_time.size()), 1, 2);
  s.test = float_rows(static_cast<std::int64_t>(test_time.size()), 1, 2);
  s.train.time = std::move(train_time);
  s.test.time = std::move(test_time);
  return s;
}

TEST(TimeSplit, EqualTimeWindowsOfTheTrainingRowsAndTestRowsClampedToTheEnds) {
  // Train times 0..9: width 10/3 -> windows [0, 3.33), [3.33, 6.67), [6.67, 10].
  const auto w = split_by_time(timed({0, 1, 2, 3, 4, 5, 6, 7, 8, 10}, {-5, 3.5, 9, 50}), TimeSplit::kAuto, 3);
  ASSERT_EQ(w.train.size(), 3u);
  EXPECT_EQ(w.train[0].time, (std::vector<double>{0, 1, 2, 3}));
  EXPECT_EQ(w.train[1].time, (std::vector<double>{4, 5, 6}));
  EXPECT_EQ(w.train[2].time, (std::vector<double>{7, 8, 10}));
  EXPECT_EQ(w.test[0].time, (std::vector<double>{-5}));
  EXPECT_EQ(w.test[1].time, (std::vector<double>{3.5}));
  EXPECT_EQ(w.test[2].time, (std::vector<double>{9, 50}));
  EXPECT_EQ(w.classes[0], (std::vector<std::int64_t>{0, 1}));  // every class that the window's rows have
}

TEST(TimeSplit, TaskColumnMakesOneTaskPerValueInOrder) {
  SourceDataset s = timed({0, 0, 0, 0}, {0, 0});
  s.train.time.clear();
  s.test.time.clear();
  s.train.task = {7, 3, 7, 3};
  s.test.task = {3, 7};
  const auto w = split_by_time(s, TimeSplit::kAuto, 99);
  ASSERT_EQ(w.train.size(), 2u);
  EXPECT_EQ(w.train[0].task, (std::vector<std::int64_t>{3, 3}));
  EXPECT_EQ(w.train[1].task, (std::vector<std::int64_t>{7, 7}));
}

TEST(TimeSplit, AnEmptyWindowNamesTheTaskAndItsWindow) {
  try {
    split_by_time(timed({0, 1, 2, 100}, {0, 100}), TimeSplit::kTime, 4);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("task 1 (time window [25"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("fewer --tasks"), std::string::npos) << e.what();
  }
}

TEST(TimeSplit, RowWindowsKeepTheSourceOrder) {
  const auto w = split_by_time(timed({5, 4, 3, 2, 1, 0}, {1, 2, 3}), TimeSplit::kRows, 3);
  EXPECT_EQ(w.train[0].time, (std::vector<double>{5, 4}));
  EXPECT_EQ(w.test[2].time, (std::vector<double>{3}));
}

}  // namespace
}  // namespace mnemo::data
