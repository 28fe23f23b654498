// Tests: the domain-incremental transforms against hand-made images, the
//   CIFAR and user-HDF5 loaders (round trips and bad files), and permuted
//   and rotated streams written and read back.
#include <gtest/gtest.h>

#include <hdf5.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "core/error.h"
#include "data/prepare/cifar_source.h"
#include "data/prepare/hdf5_source.h"
#include "data/prepare/idx_source.h"
#include "data/prepare/prepare.h"
#include "data/stream_reader.h"
#include "data/prepare/synthetic.h"
#include "data/prepare/transforms.h"
#include "test_dir.h"

namespace mnemo::data {
namespace {

LabeledImages one_image(std::vector<std::uint8_t> pixels, std::int64_t side) {
  LabeledImages x;
  x.image_shape = {1, side, side};
  x.images = std::move(pixels);
  x.labels = {0};
  return x;
}

TEST(Transforms, PermutationMovesPixels) {
  const auto out = permute_pixels(one_image({10, 20, 30, 40}, 2), {3, 2, 1, 0});
  EXPECT_EQ(out.images, (std::vector<std::uint8_t>{40, 30, 20, 10}));
}

TEST(Transforms, RotationBy90DegreesIsExact) {
  // 3x3, counter-clockwise by 90 degrees: the top row becomes the left column.
  const auto out = rotate(one_image({1, 2, 3, 4, 5, 6, 7, 8, 9}, 3), 90.0);
  EXPECT_EQ(out.images, (std::vector<std::uint8_t>{3, 6, 9, 2, 5, 8, 1, 4, 7}));
  const auto same = rotate(one_image({1, 2, 3, 4, 5, 6, 7, 8, 9}, 3), 0.0);
  EXPECT_EQ(same.images, (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(Synthetic, ChannelsShapeTheImages) {
  SyntheticOptions o;
  o.classes = 2;
  o.train_per_class = 3;
  o.test_per_class = 1;
  o.side = 4;
  const auto gray = make_synthetic(o);
  o.channels = 3;
  const auto color = make_synthetic(o);
  EXPECT_EQ(gray.train.image_shape, (std::vector<std::int64_t>{1, 4, 4}));
  EXPECT_EQ(color.train.image_shape, (std::vector<std::int64_t>{3, 4, 4}));
  EXPECT_EQ(color.test.image_shape, (std::vector<std::int64_t>{3, 4, 4}));
  EXPECT_EQ(gray.train.images.size(), 6u * 16u);
  EXPECT_EQ(color.train.images.size(), 6u * 48u);
  EXPECT_EQ(color.train.labels, gray.train.labels);
  o.channels = 0;
  EXPECT_THROW(make_synthetic(o), UsageError);
}

void write_cifar10(const testing::TempDir& dir, int records_per_batch) {
  for (const std::string name : {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                                 "data_batch_5.bin", "test_batch.bin"}) {
    std::ofstream out(dir.file(name), std::ios::binary);
    for (int r = 0; r < records_per_batch; ++r) {
      out.put(static_cast<char>(r % 10));
      for (int p = 0; p < 3072; ++p) out.put(static_cast<char>((r + p) % 251));
    }
  }
}

TEST(Cifar, LoadsTenClassBatches) {
  testing::TempDir dir;
  write_cifar10(dir, 4);
  const auto ds = load_cifar_dataset(dir.path().string(), "cifar10");
  EXPECT_EQ(ds.train.count(), 20);
  EXPECT_EQ(ds.test.count(), 4);
  EXPECT_EQ(ds.train.image_shape, (std::vector<std::int64_t>{3, 32, 32}));
  EXPECT_EQ(ds.train.labels[3], 3);
  EXPECT_EQ(ds.train.images[3 * 3072 + 5], (3 + 5) % 251);
}

TEST(Cifar, TruncatedBatchIsNamed) {
  testing::TempDir dir;
  write_cifar10(dir, 2);
  std::filesystem::resize_file(dir.file("data_batch_3.bin"), 3073 + 100);
  try {
    load_cifar_dataset(dir.path().string(), "cifar10");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("data_batch_3.bin"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("whole number"), std::string::npos) << e.what();
  }
}

// A user file with float NHWC images; `poison` puts a NaN into train image 1.
std::string write_user_hdf5(const testing::TempDir& dir, bool poison) {
  const std::string path = dir.file(poison ? "bad.h5" : "good.h5");
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  for (const char* split : {"train", "test"}) {
    hid_t g = H5Gcreate2(f, split, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t idims[4] = {2, 2, 2, 3}, ldims[1] = {2};
    std::vector<float> img(24);
    for (int i = 0; i < 24; ++i) img[i] = static_cast<float>(i) / 23.0f;
    if (poison && std::string(split) == "train") img[12] = std::nanf("");
    hid_t is = H5Screate_simple(4, idims, nullptr), ls = H5Screate_simple(1, ldims, nullptr);
    hid_t id = H5Dcreate2(g, "images", H5T_NATIVE_FLOAT, is, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(id, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, img.data());
    const std::int32_t labels[2] = {0, 1};
    hid_t ld = H5Dcreate2(g, "labels", H5T_NATIVE_INT32, ls, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ld, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, labels);
    H5Dclose(id);
    H5Dclose(ld);
    H5Sclose(is);
    H5Sclose(ls);
    H5Gclose(g);
  }
  H5Fclose(f);
  return path;
}

TEST(UserHdf5, FloatNhwcStaysFloat32Nchw) {
  testing::TempDir dir;
  const auto ds = load_hdf5_dataset(write_user_hdf5(dir, false), "mine", "nhwc");
  EXPECT_EQ(ds.train.image_shape, (std::vector<std::int64_t>{3, 2, 2}));
  EXPECT_EQ(ds.train.type, SampleType::kFloat32);
  EXPECT_EQ(ds.num_classes, 2);
  // NHWC element (n=0, y=0, x=1, c=2) = index 5 -> value 5/23; in NCHW it sits at (c=2, y=0, x=1) = 2*4 + 1,
  // stored exactly (not rounded to 8 bits).
  float v = 0;
  std::memcpy(&v, ds.train.images.data() + 9 * sizeof(float), sizeof(float));
  EXPECT_EQ(v, 5.0f / 23.0f);
}

TEST(UserHdf5, FeatureMatrixIsAFloatVectorPerRowAndMayBeUnscaled) {
  testing::TempDir dir;
  const std::string path = dir.file("features.h5");
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const double x[6] = {-3.5, 1e6, 0.6048, 2.0, -7.25, 42.0};  // [3, 2], far outside [0, 1]
  const std::int64_t y[3] = {0, 2, 1};
  for (const char* split : {"train", "test"}) {
    hid_t g = H5Gcreate2(f, split, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t xd[2] = {3, 2}, yd[1] = {3};
    hid_t xs = H5Screate_simple(2, xd, nullptr), ys = H5Screate_simple(1, yd, nullptr);
    hid_t xds = H5Dcreate2(g, "images", H5T_NATIVE_DOUBLE, xs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(xds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x);
    hid_t yds = H5Dcreate2(g, "labels", H5T_NATIVE_INT64, ys, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(yds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, y);
    H5Dclose(xds), H5Dclose(yds), H5Sclose(xs), H5Sclose(ys), H5Gclose(g);
  }
  H5Fclose(f);
  const auto ds = load_hdf5_dataset(path, "features", "nhwc");
  EXPECT_EQ(ds.train.image_shape, (std::vector<std::int64_t>{2}));
  EXPECT_EQ(ds.num_classes, 3);
  ASSERT_EQ(ds.train.images.size(), 6 * sizeof(float));
  for (int i = 0; i < 6; ++i) {
    float v = 0;
    std::memcpy(&v, ds.train.images.data() + i * sizeof(float), sizeof(float));
    EXPECT_EQ(v, static_cast<float>(x[i])) << i;  // 0.6048 stays 0.6048, not 122/255
  }
}

TEST(UserHdf5, NanIsNamedWithItsIndex) {
  testing::TempDir dir;
  try {
    load_hdf5_dataset(write_user_hdf5(dir, true), "mine", "nhwc");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("train/images row 1 (element 0) is NaN"), std::string::npos) << e.what();
  }
}

TEST(DomainStreams, PermutedAndRotatedStreamsHaveEveryClassInEveryTask) {
  testing::TempDir dir;
  for (const Scenario scenario_kind : {Scenario::kPermuted, Scenario::kRotated}) {
    const std::string scenario = scenario_name(scenario_kind);
    PrepareOptions o;
    o.source = Source::kSynthetic;
    o.scenario = scenario_kind;
    o.tasks = 3;
    o.samples_per_task = 50;
    o.synthetic.classes = 4;
    o.synthetic.train_per_class = 30;
    o.synthetic.test_per_class = 5;
    o.output = dir.file(scenario);
    prepare_stream(o);
    const StreamReader r(o.output);
    EXPECT_EQ(r.scenario(), scenario);
    ASSERT_EQ(r.num_tasks(), 3);
    for (std::int64_t t = 0; t < 3; ++t) {
      EXPECT_EQ(r.task(t).classes, (std::vector<std::int64_t>{0, 1, 2, 3}));
      EXPECT_EQ(r.task(t).train_count, 50);
      EXPECT_EQ(r.task(t).test_count, 20);
    }
    // Different tasks see different transforms of the same test images.
    const auto a = r.read(0, Split::kTest, {0, 20}), b = r.read(1, Split::kTest, {0, 20});
    EXPECT_NE(a.images, b.images);
  }
}

// A raw (uncompressed) IDX file: uint8 elements, big-endian dimensions.
void write_idx(const std::string& path, const std::vector<std::uint32_t>& dims, const std::vector<std::uint8_t>& data) {
  std::ofstream out(path, std::ios::binary);
  const unsigned char magic[4] = {0, 0, 0x08, static_cast<unsigned char>(dims.size())};
  out.write(reinterpret_cast<const char*>(magic), 4);
  for (std::uint32_t d : dims) {
    const unsigned char be[4] = {static_cast<unsigned char>(d >> 24), static_cast<unsigned char>(d >> 16),
                                 static_cast<unsigned char>(d >> 8), static_cast<unsigned char>(d)};
    out.write(reinterpret_cast<const char*>(be), 4);
  }
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

// EMNIST-style files: prefixed names, "test" for t10k, each 2x2 image stored
// transposed, letters labelled 1..3. Image of sample i, as seen: {i, i+1, i+2, i+3}.
void write_emnist(const testing::TempDir& dir, const std::string& prefix, int n) {
  for (const std::string split : {"train", "test"}) {
    std::vector<std::uint8_t> images, labels;
    for (int i = 0; i < n; ++i) {
      const auto v = static_cast<std::uint8_t>(i);
      for (int d : {0, 2, 1, 3}) images.push_back(static_cast<std::uint8_t>(v + d));  // column by column
      labels.push_back(static_cast<std::uint8_t>(1 + i % 3));
    }
    write_idx(dir.file(prefix + split + "-images-idx3-ubyte"), {static_cast<std::uint32_t>(n), 2, 2}, images);
    write_idx(dir.file(prefix + split + "-labels-idx1-ubyte"), {static_cast<std::uint32_t>(n)}, labels);
  }
}

TEST(Idx, EmnistLayoutIsTransposedAndLabelsRenumbered) {
  testing::TempDir dir;
  write_emnist(dir, "emnist-letters-", 6);
  const SourceDataset ds = load_idx_dataset(dir.path().string(), "emnist");
  EXPECT_EQ(ds.num_classes, 3);
  EXPECT_EQ(ds.train.labels, (std::vector<std::int64_t>{0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(ds.test.count(), 6);
  EXPECT_EQ(std::vector<std::uint8_t>(ds.train.images.begin() + 4, ds.train.images.begin() + 8),
            (std::vector<std::uint8_t>{1, 2, 3, 4}));
  EXPECT_EQ(ds.provenance.at("original_labels"), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(ds.provenance.at("prefix"), "emnist-letters-");
  IdxOptions raw;
  raw.transpose = "no";
  const SourceDataset as_stored = load_idx_dataset(dir.path().string(), "emnist", raw);
  EXPECT_EQ(std::vector<std::uint8_t>(as_stored.train.images.begin() + 4, as_stored.train.images.begin() + 8),
            (std::vector<std::uint8_t>{1, 3, 2, 4}));
}

TEST(Idx, SeveralDatasetsInOneDirectoryNeedAPrefix) {
  testing::TempDir dir;
  write_emnist(dir, "emnist-letters-", 3);
  write_emnist(dir, "emnist-digits-", 3);
  try {
    load_idx_dataset(dir.path().string(), "emnist");
    FAIL() << "expected a UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--idx-prefix"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("emnist-digits-"), std::string::npos) << e.what();
  }
  IdxOptions o;
  o.prefix = "emnist-digits-";
  EXPECT_EQ(load_idx_dataset(dir.path().string(), "emnist", o).train.count(), 3);
}

TEST(ValidationSplit, HoldsOutTheTailOfEachTasksTrainingRows) {
  testing::TempDir dir;
  PrepareOptions o;
  o.source = Source::kSynthetic;
  o.tasks = 2;
  o.classes_per_task = 2;
  o.synthetic.classes = 4;
  o.synthetic.train_per_class = 20;
  o.synthetic.test_per_class = 5;
  o.output = dir.file("plain");
  prepare_stream(o);
  o.val_fraction = 0.25;
  o.output = dir.file("val");
  prepare_stream(o);
  const StreamReader plain(dir.file("plain")), val(dir.file("val"));
  for (std::int64_t t = 0; t < 2; ++t) {
    ASSERT_EQ(plain.task(t).val_count, 0);
    ASSERT_EQ(val.task(t).train_count, 30);
    ASSERT_EQ(val.task(t).val_count, 10);
    EXPECT_EQ(val.task(t).test_count, plain.task(t).test_count);
    // train + val of the split stream = the plain stream's training rows, in order.
    const SampleBlock all = plain.read(t, Split::kTrain, {0, 40});
    const SampleBlock tr = val.read(t, Split::kTrain, {0, 30}), va = val.read(t, Split::kVal, {0, 10});
    std::vector<std::int64_t> labels = tr.labels;
    labels.insert(labels.end(), va.labels.begin(), va.labels.end());
    std::vector<std::uint8_t> images = tr.images;
    images.insert(images.end(), va.images.begin(), va.images.end());
    EXPECT_EQ(labels, all.labels);
    EXPECT_EQ(images, all.images);
  }
  o.val_fraction = 0.999;
  o.output = dir.file("bad");
  EXPECT_THROW(prepare_stream(o), UsageError);
}

}  // namespace
}  // namespace mnemo::data
