// Tests: the domain-incremental transforms against hand-made images, the
//   CIFAR and user-HDF5 loaders (round trips and bad files), and permuted
//   and rotated streams written and read back.
#include <gtest/gtest.h>

#include <hdf5.h>

#include <cmath>
#include <fstream>

#include "core/error.h"
#include "data/cifar_source.h"
#include "data/hdf5_source.h"
#include "data/prepare.h"
#include "data/stream_reader.h"
#include "data/transforms.h"
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

TEST(UserHdf5, FloatNhwcBecomesUint8Nchw) {
  testing::TempDir dir;
  const auto ds = load_hdf5_dataset(write_user_hdf5(dir, false), "mine", "nhwc");
  EXPECT_EQ(ds.train.image_shape, (std::vector<std::int64_t>{3, 2, 2}));
  EXPECT_EQ(ds.num_classes, 2);
  // NHWC element (n=0, y=0, x=1, c=2) = index 5 -> value 5/23; in NCHW it sits at (c=2, y=0, x=1) = 2*4 + 1.
  EXPECT_EQ(ds.train.images[9], static_cast<std::uint8_t>(std::lround(5.0 / 23.0 * 255)));
}

TEST(UserHdf5, NanIsNamedWithItsIndex) {
  testing::TempDir dir;
  try {
    load_hdf5_dataset(write_user_hdf5(dir, true), "mine", "nhwc");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("train/images[1] contains NaN"), std::string::npos) << e.what();
  }
}

TEST(DomainStreams, PermutedAndRotatedStreamsHaveEveryClassInEveryTask) {
  testing::TempDir dir;
  for (const std::string scenario : {"permuted", "rotated"}) {
    PrepareOptions o;
    o.source = "synthetic";
    o.scenario = scenario;
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

}  // namespace
}  // namespace mnemo::data
