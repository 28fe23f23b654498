// Tests: models by name and as TorchScript, without Python (the Python peer
//   checks are in integration/model_io.sh):
//   - every built-in model, converted to TorchScript, saved and loaded back,
//     gives the same logits and features as the model itself, in eval mode,
//     and the same names and values as its state dict;
//   - that TorchScript file trains as a ScriptedModel whose tensors are the
//     module's own (an update through the nn tree is seen by forward);
//   - signature differences list missing, unexpected and mis-shaped tensors;
//     load_named_state copies by name, honours skip prefixes, and refuses a
//     mismatch naming the source; a state-dict file round-trips exactly.
#include <gtest/gtest.h>
#include <torch/script.h>

#include <fstream>
#include <map>

#include "core/error.h"
#include "model/state_dict.h"
#include "model/torchscript.h"
#include "test_dir.h"

namespace mnemo::model {
namespace {

Model build(const std::string& name, std::vector<std::int64_t> shape, std::int64_t classes) {
  ModelOptions o;
  o.name = name;
  o.input_shape = std::move(shape);
  o.num_classes = classes;
  o.kernels = Kernels::kAutograd;
  return make_model(o);
}

TEST(TorchScriptExport, BuiltinsRoundTripWithTheSameOutputs) {
  testing::TempDir dir;
  torch::manual_seed(3);
  for (const auto& name : {"mlp", "cnn", "resnet18"}) {
    Model m = build(name, {3, 8, 8}, 5);
    m->train();
    m->forward(torch::rand({6, 3, 8, 8}));  // moves the BatchNorm statistics off their initial values
    m->eval();
    const std::string file = dir.file(std::string(name) + ".ts");
    to_torchscript(*m).save(file);
    torch::jit::Module loaded = torch::jit::load(file);
    const torch::Tensor x = torch::rand({4, 3, 8, 8});
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::allclose(loaded.forward({x}).toTensor(), m->forward(x), 1e-5, 1e-6)) << name;
    EXPECT_TRUE(torch::allclose(loaded.run_method("features", x).toTensor(), m->features(x), 1e-5, 1e-6)) << name;
    std::size_t n = 0;
    std::map<std::string, torch::Tensor> scripted;
    for (const auto& p : loaded.named_parameters()) scripted[p.name] = p.value;
    for (const auto& b : loaded.named_buffers()) scripted[b.name] = b.value;
    for (const auto& [key, t] : named_state(*m)) {
      ASSERT_TRUE(scripted.count(key)) << name << ": " << key;
      EXPECT_TRUE(torch::equal(scripted.at(key), t)) << name << ": " << key;
      ++n;
    }
    EXPECT_EQ(n, scripted.size()) << name;
  }
}

TEST(ScriptedModel, SharesItsTensorsWithTheModule) {
  testing::TempDir dir;
  Model builtin = build("mlp", {1, 4, 4}, 3);
  builtin->eval();
  to_torchscript(*builtin).save(dir.file("mlp.ts"));
  ScriptedModel scripted(dir.file("mlp.ts"));
  EXPECT_TRUE(scripted.has_features());
  EXPECT_EQ(signature_of(named_state(scripted)), signature_of(named_state(*builtin)));
  const torch::Tensor x = torch::rand({2, 1, 4, 4});
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::allclose(scripted.forward(x), builtin->forward(x)));
  for (auto& p : scripted.parameters()) p.zero_();  // through the nn tree...
  EXPECT_EQ(scripted.forward(x).abs().sum().item<float>(), 0.0f);  // ...seen by the TorchScript forward
  EXPECT_TRUE(torch::equal(scripted.scripted().forward({x}).toTensor(), scripted.forward(x)));
}

TEST(StateDict, DifferencesListEveryMismatch) {
  const Signature model = {{"a", {2, 3}, "Float"}, {"b", {3}, "Float"}, {"c", {}, "Long"}};
  const Signature file = {{"a", {2, 3}, "Float"}, {"b", {4}, "Float"}, {"d", {1}, "Float"}};
  const auto d = signature_differences(model, file);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0], "b: model [3] Float, file [4] Float");
  EXPECT_EQ(d[1], "missing: c [] Long");
  EXPECT_EQ(d[2], "unexpected: d [1] Float");
  EXPECT_TRUE(signature_differences(model, model).empty());
  EXPECT_EQ(signature_differences(model, file, {"b", "c", "d"}).size(), 0u);
  EXPECT_EQ(signature_from_json(signature_json(model)), model);
}

TEST(StateDict, LoadsByNameSkipsPrefixesAndRefusesMismatches) {
  testing::TempDir dir;
  torch::manual_seed(1);
  Model a = build("mlp", {1, 4, 4}, 3), b = build("mlp", {1, 4, 4}, 3);
  save_state_dict_file(named_state(*a), dir.file("a.pt"));
  const NamedTensors loaded = load_state_dict_file(dir.file("a.pt"));
  ASSERT_EQ(loaded.size(), named_state(*a).size());
  const torch::Tensor head_before = named_state(*b).back().second.clone();  // layers.4.bias
  load_named_state(*b, loaded, "a.pt", {"layers.4"});
  const NamedTensors sa = named_state(*a), sb = named_state(*b);
  for (std::size_t i = 0; i < sa.size(); ++i) {
    if (sa[i].first.rfind("layers.4", 0) == 0) continue;
    EXPECT_TRUE(torch::equal(sa[i].second, sb[i].second)) << sa[i].first;
  }
  EXPECT_TRUE(torch::equal(sb.back().second, head_before));
  Model wide = build("mlp", {1, 5, 5}, 3);
  try {
    load_named_state(*wide, loaded, "a.pt");
    FAIL() << "a mis-shaped state loaded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("a.pt does not fit the model"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("layers.0.weight: model [100, 25] Float, file [100, 16] Float"),
              std::string::npos)
        << e.what();
  }
  std::ofstream(dir.file("junk.pt")) << "not a pickle";
  EXPECT_THROW(load_state_dict_file(dir.file("junk.pt")), InputError);
}

}  // namespace
}  // namespace mnemo::model
