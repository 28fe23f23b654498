// Tests: every registered model builds, maps [N, C, H, W] to [N, classes],
//   and the reduced ResNet-18 has the parameter count derived by hand; only
//   models with BatchNorm say their samples are coupled.
#include <gtest/gtest.h>

#include "core/error.h"
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
