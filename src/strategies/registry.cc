// Implements: the strategy registry and StrategyOptions. The built-in
//   strategies and their options structs are listed here (not
//   self-registered), so static linking keeps them.
#include <algorithm>
#include <map>
#include <typeindex>

#include "core/error.h"
#include "strategies/agem.h"
#include "strategies/baselines.h"
#include "strategies/dark_experience_replay.h"
#include "strategies/er_ace.h"
#include "strategies/ewc.h"
#include "strategies/experience_replay.h"
#include "strategies/gdumb.h"
#include "strategies/icarl.h"
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

// The registered options structs, one default-valued prototype per type.
std::vector<std::unique_ptr<OptionGroup>>& option_prototypes() {
  static std::vector<std::unique_ptr<OptionGroup>> p = [] {
    std::vector<std::unique_ptr<OptionGroup>> v;
    v.push_back(std::make_unique<OptionGroupOf<DerOptions>>());
    v.push_back(std::make_unique<OptionGroupOf<EwcOptions>>());
    v.push_back(std::make_unique<OptionGroupOf<SiOptions>>());
    v.push_back(std::make_unique<OptionGroupOf<LwfOptions>>());
    v.push_back(std::make_unique<OptionGroupOf<GDumbOptions>>());
    return v;
  }();
  return p;
}

std::string known_strategies(const char* separator) {
  std::string known;
  for (const auto& n : strategy_names()) known += (known.empty() ? "" : separator) + n;
  return known;
}

}  // namespace

StrategyOptions::StrategyOptions() : params_(option_prototypes()) {}

void StrategyOptions::declare(OptionTable& t) {
  t.add("strategy", name, "Continual-learning strategy: " + known_strategies(" | ")).check([this] {
    const auto names = strategy_names();
    return std::find(names.begin(), names.end(), name) != names.end()
               ? ""
               : "names no registered strategy (known: " + known_strategies(", ") + ")";
  });
  t.add("replay-capacity", replay_capacity, "Global replay memory, samples (split across ranks)")
      .in_range(0, 1LL << 40);
  t.add("replay-batch", replay_batch, "Global replay batch per step (split across ranks)").in_range(0, 1LL << 30);
  t.add_choice("replay-policy", replay_policy,
               {{replay::policy_name(replay::Policy::kReservoir), replay::Policy::kReservoir},
                {replay::policy_name(replay::Policy::kClassBalanced), replay::Policy::kClassBalanced},
                {replay::policy_name(replay::Policy::kRing), replay::Policy::kRing}},
               "Replay insertion: reservoir (uniform over the stream), class-balanced (GDumb's greedy sampler), "
               "ring (per-task FIFO)");
  params_.declare(t);
}

bool register_strategy(const std::string& name, StrategyFactory factory) {
  registry()[name] = std::move(factory);
  return true;
}

bool register_strategy_options(std::unique_ptr<OptionGroup> defaults) {
  return OptionGroups::add_prototype(option_prototypes(), std::move(defaults));
}

std::vector<std::string> strategy_names() {
  std::vector<std::string> out;
  for (const auto& [name, _] : registry()) out.push_back(name);
  return out;
}

std::unique_ptr<Strategy> make_strategy(const StrategyOptions& options, const StrategyContext& context) {
  auto it = registry().find(options.name);
  if (it == registry().end()) {
    throw UsageError(with_hint("unknown strategy '" + options.name + "'", "use one of: " + known_strategies(", ")));
  }
  return it->second(options, context);
}

}  // namespace mnemo::strategies
