// Implements: the strategy registry, shared loss helpers, and the built-in
//   strategies' registration (listed here so static linking keeps them).
#include <array>
#include <limits>
#include <map>

#include "core/error.h"
#include "strategies/agem.h"
#include "strategies/baselines.h"
#include "strategies/dark_experience_replay.h"
#include "strategies/er_ace.h"
#include "strategies/ewc.h"
#include "strategies/gdumb.h"
#include "strategies/icarl.h"
#include "strategies/experience_replay.h"
#include "strategies/fused_losses.h"
#include "strategies/lwf.h"
#include "strategies/si.h"
#include "strategies/strategy.h"

namespace mnemo::strategies {
namespace {

std::map<std::string, StrategyFactory>& registry() {
  using O = const StrategyOptions&;
  using C = const StrategyContext&;
  static std::map<std::string, StrategyFactory> r = {
      {"finetune", [](O, C c) -> std::unique_ptr<Strategy> { return std::make_unique<Finetune>(c); }},
      {"cumulative", [](O, C c) -> std::unique_ptr<Strategy> { return std::make_unique<Cumulative>(c); }},
      {"joint", [](O, C c) -> std::unique_ptr<Strategy> { return std::make_unique<Joint>(c); }},
      {"er", [](O o, C c) -> std::unique_ptr<Strategy> { return std::make_unique<ExperienceReplay>(o, c); }},
      {"er-ace", [](O o, C c) -> std::unique_ptr<Strategy> { return std::make_unique<ErAce>(o, c); }},
      {"der", [](O o, C c) -> std::unique_ptr<Strategy> { return std::make_unique<DarkExperienceReplay>(o, c, false); }},
      {"derpp", [](O o, C c) -> std::unique_ptr<Strategy> { return std::make_unique<DarkExperienceReplay>(o, c, true); }},
      {"agem", [](O o, C c) -> std::unique_ptr<Strategy> { return std::make_unique<Agem>(o, c); }},
      {"ewc", [](O o, C c) -> std::unique_ptr<Strategy> { return std::make_unique<Ewc>(o, c); }},
      {"si", [](O o, C c) -> std::unique_ptr<Strategy> { return std::make_unique<Si>(o, c); }},
      {"lwf", [](O o, C c) -> std::unique_ptr<Strategy> { return std::make_unique<Lwf>(o, c); }},
      {"icarl", [](O o, C c) -> std::unique_ptr<Strategy> { return std::make_unique<Icarl>(o, c); }},
      {"gdumb", [](O o, C c) -> std::unique_ptr<Strategy> { return std::make_unique<GDumb>(o, c); }},
  };
  return r;
}

}  // namespace

bool register_strategy(const std::string& name, StrategyFactory factory) {
  registry()[name] = std::move(factory);
  return true;
}

std::vector<std::string> strategy_names() {
  std::vector<std::string> out;
  for (const auto& [name, _] : registry()) out.push_back(name);
  return out;
}

std::unique_ptr<Strategy> make_strategy(const StrategyOptions& options, const StrategyContext& context) {
  auto it = registry().find(options.name);
  if (it == registry().end()) {
    std::string known;
    for (const auto& n : strategy_names()) known += (known.empty() ? "" : ", ") + n;
    throw UsageError(with_hint("unknown strategy '" + options.name + "'", "use one of: " + known));
  }
  return it->second(options, context);
}

LossTerm cross_entropy_term(model::ModelImpl& model, const torch::Tensor& x, const torch::Tensor& y,
                            const torch::Tensor& head_mask) {
  return cross_entropy_of_logits(model.forward(x), y, head_mask);
}

LossTerm cross_entropy_of_logits(const torch::Tensor& logits, const torch::Tensor& y, const torch::Tensor& head_mask) {
  return {softmax_cross_entropy_sum(logits, y, head_mask), y.size(0), 1.0};
}

torch::Tensor make_head_mask(const std::vector<std::vector<std::int64_t>>& task_classes, std::int64_t num_classes) {
  torch::Tensor mask = torch::full({num_classes, num_classes}, -std::numeric_limits<float>::infinity());
  for (const auto& classes : task_classes) {
    for (auto c : classes) {
      for (auto d : classes) mask[c][d] = 0.0f;
    }
  }
  return mask;
}

void save_tensor(torch::serialize::OutputArchive& archive, const std::string& key, const torch::Tensor& t) {
  if (t.defined()) archive.write(key, t.to(torch::kCPU));
}

void load_tensor(torch::serialize::InputArchive& archive, const std::string& key, torch::Tensor& t,
                 const torch::Device& device) {
  torch::Tensor loaded;
  if (archive.try_read(key, loaded)) {
    t = loaded.to(device);
  } else {
    t = torch::Tensor();
  }
}

torch::Tensor to_input(const torch::Tensor& images_u8, const torch::Device& device) {
  if (!device.is_cpu() || !images_u8.device().is_cpu() || !images_u8.is_contiguous()) {
    return images_u8.to(device).to(torch::kFloat32).div_(255.0);
  }
  // One pass through a table of the 256 quotients: the same values as the
  // division, without three operators and a temporary per batch.
  static const std::array<float, 256> quotient = [] {
    std::array<float, 256> q{};
    for (int v = 0; v < 256; ++v) q[v] = static_cast<float>(v) / 255.0f;
    return q;
  }();
  torch::Tensor x = torch::empty(images_u8.sizes(), torch::kFloat32);
  const std::uint8_t* src = images_u8.data_ptr<std::uint8_t>();
  float* dst = x.data_ptr<float>();
  for (std::int64_t i = 0, n = images_u8.numel(); i < n; ++i) dst[i] = quotient[src[i]];
  return x;
}

void save_model_values(torch::serialize::OutputArchive& archive, const std::string& key, model::ModelImpl& model) {
  std::vector<torch::Tensor> flat;
  for (const auto& p : model.parameters()) flat.push_back(p.detach().flatten());
  for (const auto& b : model.buffers()) flat.push_back(b.detach().flatten().to(torch::kFloat32));
  save_tensor(archive, key, torch::cat(flat));
}

bool load_model_values(torch::serialize::InputArchive& archive, const std::string& key, model::ModelImpl& model,
                       const torch::Device& device) {
  torch::Tensor flat;
  load_tensor(archive, key, flat, device);
  if (!flat.defined()) return false;
  torch::NoGradGuard no_grad;
  std::int64_t off = 0;
  for (auto& p : model.parameters()) {
    p.copy_(flat.narrow(0, off, p.numel()).view(p.sizes()));
    off += p.numel();
  }
  for (auto& b : model.buffers()) {
    b.copy_(flat.narrow(0, off, b.numel()).view(b.sizes()).to(b.scalar_type()));
    off += b.numel();
  }
  return true;
}

}  // namespace mnemo::strategies
