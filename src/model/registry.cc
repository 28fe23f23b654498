// Implements: the model registry.
#include <algorithm>
#include <map>

#include "core/error.h"
#include "model/cnn.h"
#include "model/mlp.h"
#include "model/resnet.h"
#include "model/model.h"

namespace mnemo::model {
namespace {
std::map<std::string, ModelFactory>& registry() {
  // Built-ins are listed here, not self-registered: a static library would
  // drop an object file that nothing references.
  static std::map<std::string, ModelFactory> r = {
      {"mlp", make_mlp}, {"cnn", make_small_cnn}, {"resnet18", make_reduced_resnet18}};
  return r;
}
}  // namespace

bool register_model(const std::string& name, ModelFactory factory) {
  registry()[name] = std::move(factory);
  return true;
}

std::vector<std::string> model_names() {
  std::vector<std::string> out;
  for (const auto& [name, _] : registry()) out.push_back(name);
  return out;
}

torch::Tensor ModelImpl::features(torch::Tensor) {
  throw UsageError(with_hint("model '" + name() + "' exposes no feature layer",
                             "use --model mlp, cnn or resnet18, or override ModelImpl::features"));
}

bool ModelImpl::samples_independent() const {
  for (const auto& m : modules(/*include_self=*/false)) {
    if (m->name().find("BatchNorm") != std::string::npos) return false;
  }
  return true;
}

void ModelOptions::declare(OptionTable& t) {
  std::string known;
  for (const auto& n : model_names()) known += (known.empty() ? "" : " | ") + n;
  t.add("model", name, "Model: " + known + " (resnet18: the reduced ResNet-18 of GEM/DER, nf=20)").check([this] {
    const auto names = model_names();
    return std::find(names.begin(), names.end(), name) != names.end() ? "" : "names no registered model";
  });
  t.add("hidden", hidden, "MLP hidden layer widths").at_least(1).check([this] {
    return hidden.empty() || hidden.size() > 16 ? "must list 1 to 16 widths" : "";
  });
  t.add_choice("kernels", kernels, {{"fused", Kernels::kFused}, {"autograd", Kernels::kAutograd}},
               "fused: train the MLP on CPU through one hand-fused autograd node (same math, fewer operators); "
               "autograd: plain LibTorch layers");
  t.add_choice("head", head, {{"auto", Head::kAuto}, {"single", Head::kSingle}, {"per-task", Head::kPerTask}},
               "single: one head over all classes (class-IL); per-task: one head per task, each sample's loss over "
               "its task's classes (task-IL); auto: per-task for task-incremental streams, else single");
}

Model make_model(const ModelOptions& options) {
  auto it = registry().find(options.name);
  if (it == registry().end()) {
    std::string known;
    for (const auto& n : model_names()) known += (known.empty() ? "" : ", ") + n;
    throw UsageError(with_hint("unknown model '" + options.name + "'", "use one of: " + known));
  }
  return it->second(options);
}

}  // namespace mnemo::model
