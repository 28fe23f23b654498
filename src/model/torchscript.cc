// Implements: to_torchscript and ScriptedModel (see torchscript.h).
#include "model/torchscript.h"

#include <torch/script.h>

#include <atomic>
#include <map>
#include <sstream>

#include "core/error.h"
#include "model/cnn.h"
#include "model/growing_head.h"
#include "model/mlp.h"
#include "model/packnet.h"
#include "model/progressive.h"
#include "model/resnet.h"

namespace mnemo::model {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string ints(c10::ArrayRef<std::int64_t> v) {
  std::ostringstream out;
  out << "[";
  for (std::size_t i = 0; i < v.size(); ++i) out << (i ? ", " : "") << v[i];
  out << "]";
  return out.str();
}

// forward(x, task=-1): every column's hidden layers unrolled (TorchScript
// cannot pick a submodule by a runtime index), then the logits of column
// `task` (clamped to the columns there are; -1: the newest).
std::string progressive_source(const ProgressiveImpl& m) {
  const std::int64_t columns = m.num_columns();
  const std::size_t depth = m.widths().size() - 1;
  auto a = [](std::int64_t k, std::size_t l) { return "a" + std::to_string(k) + "_" + std::to_string(l); };
  auto z = [&](std::int64_t k, std::size_t l) {
    const std::string col = "self.column" + std::to_string(k);
    std::string s = col + ".layer" + std::to_string(l) + ".forward(" + (l == 0 ? std::string("x") : a(k, l)) + ")";
    for (std::int64_t j = 0; l > 0 && j < k; ++j) {
      s += " + " + col + ".lateral" + std::to_string(l) + "_" + std::to_string(j) + ".forward(" + a(j, l) + ")";
    }
    return s;
  };
  std::string s = "def forward(self, x, task: int = -1):\n    x = torch.flatten(x, 1)\n";
  s += "    if task < 0 or task >= " + std::to_string(columns) + ":\n        task = " + std::to_string(columns - 1) + "\n";
  for (std::size_t l = 0; l + 1 < depth; ++l) {
    for (std::int64_t k = 0; k < columns; ++k) s += "    " + a(k, l + 1) + " = torch.relu(" + z(k, l) + ")\n";
  }
  for (std::int64_t k = 0; k + 1 < columns; ++k) {
    s += "    if task == " + std::to_string(k) + ":\n        return " + z(k, depth - 1) + "\n";
  }
  return s + "    return " + z(columns - 1, depth - 1) + "\n";
}

// forward(x, task=-1): each layer's weights masked to those of tasks
// 0..task (-1: every task's, the newest task's view).
std::string packnet_source(const PackNetImpl& m) {
  std::string s = "def forward(self, x, task: int = -1):\n    x = torch.flatten(x, 1)\n";
  s += "    if task < 0:\n        task = 1 << 40\n";
  const std::size_t layers = m.layers();
  for (std::size_t l = 0; l < layers; ++l) {
    const std::string n = std::to_string(l);
    s += "    mask = torch.logical_and(torch.ge(self.owners" + n + ", 0), torch.le(self.owners" + n +
         ", task)).type_as(self.layer" + n + ".weight)\n";
    std::string bias = "self.layer" + n + ".bias";
    if (l + 1 == layers) bias += " * torch.le(self.head_first_task, task).type_as(" + bias + ")";
    s += "    x = torch.linear(x, self.layer" + n + ".weight * mask, " + bias + ")\n";
    if (l + 1 < layers) s += "    x = torch.relu(x)\n";
  }
  return s + "    return x\n";
}

// forward(x): the body's features through every block, each class's logit
// at its id (order), -inf for the classes no block has yet.
std::string growing_head_source(const torch::nn::Module& m) {
  std::string blocks;
  for (const auto& c : m.named_children()) {
    if (c.key().rfind("head", 0) == 0) blocks += "self." + c.key() + ".forward(f), ";
  }
  return "def features(self, x):\n    return self.body.features(x)\n"
         "def forward(self, x):\n    f = self.body.features(x)\n"
         "    absent = torch.full([f.size(0), 1], float('-inf'), dtype=f.dtype, device=f.device)\n"
         "    return torch.index_select(torch.cat([" + blocks + "absent], 1), 1, self.order)\n";
}

// TorchScript of one module type: its methods over its own tensors and
// children. Children are reached with getattr so numbered names work.
std::string leaf_or_composite_source(const torch::nn::Module& m) {
  const std::string type = m.name();
  if (auto* linear = dynamic_cast<const torch::nn::LinearImpl*>(&m)) {
    return std::string("def forward(self, x):\n    return torch.linear(x, self.weight, ") +
           (linear->options.bias() ? "self.bias" : "None") + ")\n";
  }
  if (dynamic_cast<const torch::nn::ReLUImpl*>(&m)) return "def forward(self, x):\n    return torch.relu(x)\n";
  if (auto* conv = dynamic_cast<const torch::nn::Conv2dImpl*>(&m)) {
    const auto& o = conv->options;
    const auto* padding = c10::get_if<torch::ExpandingArray<2>>(&o.padding());
    if (padding == nullptr || !c10::get_if<torch::enumtype::kZeros>(&o.padding_mode())) {
      throw UsageError("cannot export a Conv2d with 'same'/'valid' padding or non-zero padding mode to TorchScript");
    }
    return "def forward(self, x):\n    return torch.conv2d(x, self.weight, " +
           std::string(o.bias() ? "self.bias" : "None") + ", " + ints(*o.stride()) + ", " + ints(**padding) + ", " +
           ints(*o.dilation()) + ", " + std::to_string(o.groups()) + ")\n";
  }
  if (auto* bn = dynamic_cast<const torch::nn::BatchNorm2dImpl*>(&m)) {
    const auto& o = bn->options;
    if (!o.affine() || !o.track_running_stats()) throw UsageError("cannot export this BatchNorm2d to TorchScript");
    std::ostringstream s;
    s.precision(17);
    s << "def forward(self, x):\n    return torch.batch_norm(x, self.weight, self.bias, self.running_mean, "
         "self.running_var, self.training, "
      << o.momentum().value_or(0.1) << ", " << o.eps() << ", False)\n";
    return s.str();
  }
  if (dynamic_cast<const torch::nn::SequentialImpl*>(&m)) {
    std::string s = "def forward(self, x):\n";
    for (std::size_t i = 0; i < m.children().size(); ++i) s += "    x = getattr(self, \"" + std::to_string(i) + "\").forward(x)\n";
    return s + "    return x\n";
  }
  if (dynamic_cast<const BasicBlockImpl*>(&m)) {
    return "def forward(self, x):\n"
           "    out = torch.relu(self.bn1.forward(self.conv1.forward(x)))\n"
           "    out = self.bn2.forward(self.conv2.forward(out))\n"
           "    return torch.relu(out + self.shortcut.forward(x))\n";
  }
  if (auto* mlp = dynamic_cast<const MlpImpl*>(&m); mlp != nullptr && mlp->headless()) {
    return "def features(self, x):\n    return self.layers.forward(torch.flatten(x, 1))\n"
           "def forward(self, x):\n    return self.features(x)\n";
  }
  if (dynamic_cast<const GrowingHeadImpl*>(&m)) return growing_head_source(m);
  if (dynamic_cast<const MlpImpl*>(&m)) {
    std::string s = "def features(self, x):\n    x = torch.flatten(x, 1)\n";
    const std::size_t layers = m.named_children()[0].value()->children().size();
    for (std::size_t i = 0; i + 1 < layers; ++i) s += "    x = getattr(self.layers, \"" + std::to_string(i) + "\").forward(x)\n";
    return s + "    return x\n"
               "def forward(self, x):\n    return self.layers.forward(torch.flatten(x, 1))\n";
  }
  if (dynamic_cast<const PnnColumnImpl*>(&m)) return "";  // its network computes it (below)
  if (auto* pnn = dynamic_cast<const ProgressiveImpl*>(&m)) return progressive_source(*pnn);
  if (auto* packnet = dynamic_cast<const PackNetImpl*>(&m)) return packnet_source(*packnet);
  // A headless body (a growing head's) has no head: forward is its features.
  auto forward_from_features = [](bool headless) {
    return std::string("def forward(self, x):\n    return ") +
           (headless ? "self.features(x)\n" : "self.head.forward(self.features(x))\n");
  };
  if (auto* cnn = dynamic_cast<const SmallCnnImpl*>(&m)) {
    return "def features(self, x):\n"
           "    x = torch.max_pool2d(torch.relu(self.conv1.forward(x)), [2, 2])\n"
           "    x = torch.max_pool2d(torch.relu(self.conv2.forward(x)), [2, 2])\n"
           "    return torch.relu(self.fc.forward(torch.flatten(x, 1)))\n" +
           forward_from_features(cnn->headless());
  }
  if (auto* resnet = dynamic_cast<const ReducedResNet18Impl*>(&m)) {
    return "def features(self, x):\n"
           "    x = torch.relu(self.bn1.forward(self.conv1.forward(x)))\n"
           "    x = self.layers.forward(x)\n"
           "    return torch.flatten(torch.adaptive_avg_pool2d(x, [1, 1]), 1)\n" +
           forward_from_features(resnet->headless());
  }
  throw UsageError(with_hint("cannot export a model holding a '" + type + "' to TorchScript",
                             "give the model's type a TorchScript source in model/torchscript.cc, or train a "
                             "TorchScript model (--model FILE.pt)"));
}

std::string short_type(const std::string& type) {
  std::string s = type.substr(type.rfind(':') == std::string::npos ? 0 : type.rfind(':') + 1);
  if (ends_with(s, "Impl")) s.resize(s.size() - 4);
  return s;
}

torch::jit::Module mirror(const torch::nn::Module& m) {
  // A TorchScript model inside a network of ours (a growing head's body): a
  // copy of it (eval() below must not switch the one that trains).
  if (auto* scripted = dynamic_cast<const ScriptedModel*>(&m)) return scripted->scripted().deepcopy();
  // Every module gets a type of its own: the serializer names types, and
  // two BasicBlocks (with and without a shortcut) must not share one.
  static std::atomic<int> counter{0};
  torch::jit::Module out("__torch__.mnemo." + short_type(m.name()) + "_" + std::to_string(counter++));
  out.register_attribute("training", c10::BoolType::get(), true);
  for (const auto& p : m.named_parameters(/*recurse=*/false)) {
    out.register_parameter(p.key(), p.value().detach().to(torch::kCPU).clone(), /*is_buffer=*/false);
  }
  for (const auto& b : m.named_buffers(/*recurse=*/false)) {
    out.register_buffer(b.key(), b.value().detach().to(torch::kCPU).clone());
  }
  for (const auto& c : m.named_children()) out.register_module(c.key(), mirror(*c.value()));
  const std::string source = leaf_or_composite_source(m);
  if (source.empty()) return out;  // a holder of parameters its parent reads
  try {
    out.define(source);
  } catch (const std::exception& e) {  // a bug in the sources above
    throw Error("the TorchScript of " + m.name() + " does not compile: " + e.what() + "\n" + source);
  }
  return out;
}

}  // namespace

bool is_torchscript_path(const std::string& name) {
  return name.find('/') != std::string::npos || ends_with(name, ".pt") || ends_with(name, ".pth") ||
         ends_with(name, ".ts") || ends_with(name, ".jit");
}

torch::jit::Module to_torchscript(ModelImpl& model) {
  if (auto* scripted_model = dynamic_cast<ScriptedModel*>(&model)) return scripted_model->scripted();
  torch::jit::Module out = mirror(model);
  out.eval();
  return out;
}

ScriptedModel::ScriptedModel(const std::string& path) : ModelImpl(path), path_(path) {
  try {
    module_ = torch::jit::load(path, torch::kCPU);
  } catch (const std::exception& e) {
    std::string first = e.what();
    first = first.substr(0, first.find('\n'));
    throw InputError(with_hint(path + " is not a TorchScript module (" + first + ")",
                               "save the model in Python with torch.jit.save(torch.jit.script(model), PATH) or "
                               "torch.jit.save(torch.jit.trace(model, example), PATH)"));
  }
  if (!module_.find_method("forward")) {
    throw InputError(with_hint(path + " has no forward method", "script or trace a torch.nn.Module with forward"));
  }
  // Copies made later would alias: the tensors become views of one buffer.
  pristine_ = module_.deepcopy();
  // The same tensors, shared, under a torch::nn::Module tree of the same names.
  std::map<std::string, torch::nn::Module*> holders = {{"", this}};
  for (const auto& sub : module_.named_modules()) {
    torch::nn::Module* holder = this;
    if (!sub.name.empty()) {
      const std::size_t dot = sub.name.rfind('.');
      torch::nn::Module* parent = holders.at(dot == std::string::npos ? "" : sub.name.substr(0, dot));
      auto child = std::make_shared<torch::nn::Module>(dot == std::string::npos ? sub.name : sub.name.substr(dot + 1));
      parent->register_module(child->name(), child);
      holder = child.get();
      holders[sub.name] = holder;
    }
    for (const auto& p : sub.value.named_parameters(/*recurse=*/false)) {
      holder->register_parameter(p.name, p.value, /*requires_grad=*/true);
    }
    for (const auto& b : sub.value.named_buffers(/*recurse=*/false)) holder->register_buffer(b.name, b.value);
  }
  module_.train(true);
}

torch::Tensor ScriptedModel::forward(torch::Tensor x) { return module_.forward({x}).toTensor(); }

bool ScriptedModel::has_features() const { return module_.find_method("features").has_value(); }

torch::Tensor ScriptedModel::features(torch::Tensor x) {
  if (!has_features()) {
    throw UsageError(with_hint(path_ + " has no 'features' method",
                               "add `def features(self, x)` returning the penultimate activations [N, D] "
                               "(decorate it with @torch.jit.export), then script the model again"));
  }
  return module_.run_method("features", x).toTensor();
}

bool ScriptedModel::samples_independent() const {
  for (const auto& sub : module_.named_modules()) {
    const auto type = sub.value.type()->name();
    if (type && type->name().find("BatchNorm") != std::string::npos) return false;
  }
  return true;
}

void ScriptedModel::train(bool on) {
  ModelImpl::train(on);
  module_.train(on);
}

torch::jit::Module ScriptedModel::scripted() const {
  torch::jit::Module copy = pristine_.deepcopy();
  std::map<std::string, torch::Tensor> now;
  for (const auto& p : module_.named_parameters(/*recurse=*/true)) now[p.name] = p.value;
  for (const auto& b : module_.named_buffers(/*recurse=*/true)) now[b.name] = b.value;
  torch::NoGradGuard no_grad;
  for (const auto& p : copy.named_parameters(/*recurse=*/true)) p.value.copy_(now.at(p.name));
  for (const auto& b : copy.named_buffers(/*recurse=*/true)) b.value.copy_(now.at(b.name));
  copy.eval();
  return copy;
}

}  // namespace mnemo::model
