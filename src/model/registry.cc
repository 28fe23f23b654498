// Implements: the model registry.
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
