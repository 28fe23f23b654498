// Tests: every registered model builds, maps [N, C, H, W] to [N, classes],
//   and the reduced ResNet-18 has the parameter count derived by hand; only
//   models with BatchNorm say their samples are coupled; --weight-init
//   follows the closed-form bounds of Xavier-uniform and of LibTorch's default.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "model/augment.h"
#include "model/input.h"
#include "model/model.h"

namespace mnemo::model {
namespace {

std::int64_t count(const Model& m) {
  std::int64_t n = 0;
  for (const auto& p : m->parameters()) n += p.numel();
  return n;
}

Model build(const std::string& name, std::vector<std::int64_t> shape, std::int64_t classes) {
  ModelOptions o;
  o.name = name;
  o.input_shape = std::move(shape);
  o.num_classes = classes;
  return make_model(o);
}

TEST(Models, EveryModelMapsImagesToLogits) {
  for (const auto& name : model_names()) {
    for (auto shape : {std::vector<std::int64_t>{1, 28, 28}, std::vector<std::int64_t>{3, 32, 32}}) {
      auto m = build(name, shape, 10);
      auto x = torch::rand({4, shape[0], shape[1], shape[2]});
      EXPECT_EQ(m->forward(x).sizes(), (std::vector<std::int64_t>{4, 10})) << name;
    }
  }
}

TEST(Models, ReducedResNet18HasTheHandCountedParameters) {
  // nf = 20, 3 input channels, 10 classes. conv1 3*20*9 + bn 2*20 = 580.
  // Stage 1 (20->20): 2 blocks x (2 convs 20*20*9 + 2 bn 2*20) = 14560.
  // Stage 2 (20->40): block 1: 20*40*9 + 40*40*9 + 2*80 + shortcut 20*40 + 80 = 22640; block 2: 2*40*40*9 + 160 = 28960.
  // Stage 3 (40->80): 28800 + 57600 + 320 + 3200 + 160 = 90080; 2*57600 + 320 = 115520.
  // Stage 4 (80->160): 115200 + 230400 + 640 + 12800 + 320 = 359360; 2*230400 + 640 = 461440.
  // Head: 160*10 + 10 = 1610.
  const std::int64_t want = 580 + 14560 + 22640 + 28960 + 90080 + 115520 + 359360 + 461440 + 1610;
  EXPECT_EQ(count(build("resnet18", {3, 32, 32}, 10)), want);
}

TEST(Models, OnlyBatchNormModelsCoupleTheirSamples) {
  EXPECT_TRUE(build("mlp", {1, 8, 8}, 4)->samples_independent());
  EXPECT_FALSE(build("resnet18", {3, 32, 32}, 4)->samples_independent());
}

TEST(Models, MlpWidths) {
  ModelOptions o;
  o.input_shape = {1, 28, 28};
  o.num_classes = 10;
  o.hidden = {100, 100};
  EXPECT_EQ(count(make_model(o)), 784 * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10);
}

// Xavier-uniform (Glorot & Bengio 2010): U(-a, a), a = sqrt(6 / (fan_in + fan_out)), variance a^2 / 3;
// LibTorch's default: U(-b, b), b = 1 / sqrt(fan_in), for weights and biases alike.
TEST(Models, WeightInitFollowsTheClosedFormBoundsOfEachRule) {
  ModelOptions o;
  o.input_shape = {1, 28, 28};
  o.num_classes = 10;
  o.weight_init = WeightInit::kXavier;
  const auto xavier = make_model(o)->named_parameters();
  o.weight_init = WeightInit::kTorch;
  const auto plain = make_model(o)->named_parameters();
  const std::vector<std::pair<std::string, std::pair<double, double>>> layers = {
      {"layers.0", {784, 100}}, {"layers.2", {100, 100}}, {"layers.4", {100, 10}}};
  for (const auto& [name, fan] : layers) {
    const double a = std::sqrt(6.0 / (fan.first + fan.second)), b = 1.0 / std::sqrt(fan.first);
    const auto w = xavier[name + ".weight"];
    EXPECT_LE(w.abs().max().item<double>(), a) << name;
    EXPECT_GT(w.abs().max().item<double>(), 0.9 * a) << name;  // 1000+ draws reach the bound
    EXPECT_NEAR(w.var().item<double>(), a * a / 3, 0.1 * a * a / 3) << name;
    EXPECT_EQ(xavier[name + ".bias"].abs().max().item<double>(), 0.0) << name;
    EXPECT_LE(plain[name + ".weight"].abs().max().item<double>(), b) << name;
    EXPECT_GT(plain[name + ".bias"].abs().max().item<double>(), 0.0) << name;
  }
}

TEST(Models, UnknownModelListsTheKnownOnes) {
  try {
    build("vit", {1, 8, 8}, 2);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("resnet18"), std::string::npos);
  }
}

TEST(ModelInput, Uint8IsDividedBy255ThenNormalisedPerChannel) {
  const torch::Tensor u8 = torch::tensor({0, 51, 255, 102}, torch::kUInt8).reshape({1, 2, 1, 2});
  const InputNorm norm = make_input_norm({2, 1, 2}, {0.1, 0.5}, {0.5, 0.25});
  const torch::Tensor x = to_input(u8, torch::kCPU, norm);
  // Channel 0: (0 - 0.1) / 0.5, (0.2 - 0.1) / 0.5; channel 1: (1 - 0.5) / 0.25, (0.4 - 0.5) / 0.25.
  const std::vector<float> want = {-0.2f, 0.2f, 2.0f, -0.4f};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(x.flatten()[i].item<float>(), want[i], 1e-6) << i;
}

TEST(ModelInput, FloatFeaturesAreTakenAsStoredThenNormalisedPerFeature) {
  const torch::Tensor f = torch::tensor({-3.5f, 1e6f, 0.6048f, 2.0f}).reshape({2, 2});
  EXPECT_TRUE(to_input(f, torch::kCPU).equal(f));  // no normalisation: unchanged, not /255
  const InputNorm norm = make_input_norm({2}, {1.0, -2.0}, {2.0, 4.0});
  const torch::Tensor x = to_input(f, torch::kCPU, norm);
  EXPECT_FLOAT_EQ(x[0][0].item<float>(), (-3.5f - 1.0f) / 2.0f);
  EXPECT_FLOAT_EQ(x[1][1].item<float>(), (2.0f + 2.0f) / 4.0f);
  // The samples themselves (cached test rows, replay slots) are left alone,
  // so a second call gives the same input.
  EXPECT_FLOAT_EQ(f[0][0].item<float>(), -3.5f);
  EXPECT_TRUE(to_input(f, torch::kCPU, norm).equal(x));
  const torch::Tensor h = f.to(torch::kFloat16);
  EXPECT_EQ(to_input(h, torch::kCPU).scalar_type(), torch::kFloat32);
  EXPECT_TRUE(to_input(h, torch::kCPU).equal(h.to(torch::kFloat32)));
}

// Every crop-flip of image `x` [C, H, W] with padding p, built by hand:
// zero-pad, take the H x W window at (dy, dx), mirror or not.
std::vector<torch::Tensor> all_crop_flips(const torch::Tensor& x, std::int64_t p, double fill) {
  const std::int64_t c = x.size(0), h = x.size(1), w = x.size(2);
  torch::Tensor padded = torch::full({c, h + 2 * p, w + 2 * p}, fill);
  padded.narrow(1, p, h).narrow(2, p, w).copy_(x);
  std::vector<torch::Tensor> out;
  for (std::int64_t dy = 0; dy <= 2 * p; ++dy) {
    for (std::int64_t dx = 0; dx <= 2 * p; ++dx) {
      const torch::Tensor crop = padded.narrow(1, dy, h).narrow(2, dx, w);
      out.push_back(crop.clone());
      out.push_back(crop.flip({2}).clone());
    }
  }
  return out;
}

TEST(Augment, CropFlipGivesEveryPaddedWindowAndMirrorAndIsNamedByRowNotPosition) {
  const torch::Tensor img = torch::arange(1, 2 * 3 * 4 + 1, torch::kFloat32).reshape({2, 3, 4});
  const Augmenter aug(1, /*seed=*/7, {});
  const std::int64_t n = 400;
  const torch::Tensor batch = img.unsqueeze(0).expand({n, 2, 3, 4}).contiguous();
  std::vector<std::int64_t> ids(n);
  for (std::int64_t i = 0; i < n; ++i) ids[static_cast<std::size_t>(i)] = 1000 + i;
  const torch::Tensor out = aug.apply(batch, Augmenter::kStreamRows, 5, ids);
  const auto candidates = all_crop_flips(img, 1, 0.0);
  std::vector<int> hits(candidates.size());
  for (std::int64_t i = 0; i < n; ++i) {
    int found = -1;
    for (std::size_t k = 0; k < candidates.size() && found < 0; ++k) {
      if (out[i].equal(candidates[k])) found = static_cast<int>(k);
    }
    ASSERT_GE(found, 0) << "row " << i << " is not a crop-flip of the image";
    ++hits[static_cast<std::size_t>(found)];
  }
  for (std::size_t k = 0; k < hits.size(); ++k) EXPECT_GT(hits[k], 5) << "window/flip " << k << " (expect ~22 of 400)";
  EXPECT_TRUE(batch[0].equal(img));  // the input is left alone
  // Rows 10..19 alone, as another rank would hold them: the same result.
  const std::vector<std::int64_t> part(ids.begin() + 10, ids.begin() + 20);
  EXPECT_TRUE(aug.apply(batch.narrow(0, 10, 10), Augmenter::kStreamRows, 5, part).equal(out.narrow(0, 10, 10)));
  // Another step draws other windows; off returns x itself.
  EXPECT_FALSE(aug.apply(batch, Augmenter::kStreamRows, 6, ids).equal(out));
  EXPECT_TRUE(Augmenter().apply(batch, Augmenter::kStreamRows, 5, ids).is_same(batch));
}

TEST(Augment, PaddingIsAZeroPixelAfterNormalisation) {
  const torch::Tensor raw = torch::rand({1, 1, 4, 4}) + 0.5;  // no zero pixels
  const InputNorm norm = make_input_norm({1, 4, 4}, {0.25}, {0.5});
  const torch::Tensor x = (raw - 0.25) / 0.5;
  const Augmenter aug(2, 1, norm);
  for (std::int64_t id = 0; id < 50; ++id) {
    const torch::Tensor out = aug.apply(x, Augmenter::kReplayRows, 0, {id})[0];
    bool found = false;
    for (const auto& c : all_crop_flips(raw[0], 2, 0.0)) found = found || out.allclose((c - 0.25) / 0.5);
    EXPECT_TRUE(found) << "id " << id << ": not the normalised crop-flip of the zero-padded image";
  }
}

TEST(ModelInput, ConvolutionalModelsRefuseFeatureVectorsNamingTheFix) {
  ModelOptions o;
  o.name = "cnn";
  o.input_shape = {16};
  o.num_classes = 3;
  try {
    make_model(o);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--model mlp"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mnemo::model
