// Implements: YamlConfig (see yaml_config.h).
#include "cli/yaml_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <sstream>

#include "core/error.h"

namespace mnemo::cli {

std::string YamlConfig::to_config(const CLI::App* app, bool default_also, bool, std::string) const {
  std::ostringstream os;
  for (const CLI::Option* opt : app->get_options()) {
    if (opt->get_lnames().empty() || !opt->get_configurable()) continue;
    const auto& results = opt->results();
    std::string value;
    if (!results.empty()) {
      value = results.size() == 1 ? results[0] : "[" + CLI::detail::join(results, ", ") + "]";
    } else if (default_also && !opt->get_default_str().empty()) {
      value = opt->get_default_str();
    } else {
      continue;
    }
    os << opt->get_lnames()[0] << ": " << value << "\n";
  }
  return os.str();
}

std::vector<CLI::ConfigItem> YamlConfig::from_config(std::istream& input) const {
  const std::string file = "config file " + path_();
  const std::string section = section_();
  YAML::Node root;
  try {
    root = YAML::Load(input);
  } catch (const YAML::Exception& e) {
    throw UsageError(with_hint(file + ": YAML error at line " + std::to_string(e.mark.line + 1) + ", column " +
                                   std::to_string(e.mark.column + 1) + ": " + e.msg,
                               "a config file is a flat mapping such as 'batch-size: 10'"));
  }
  std::vector<CLI::ConfigItem> items;
  if (root.IsNull()) return items;
  if (!root.IsMap()) {
    throw UsageError(with_hint(file + ": the top level must be a mapping of option names to values",
                               "write e.g. 'strategy: er' on its own line"));
  }
  for (const auto& kv : root) {
    if (!kv.first.IsScalar()) {
      throw UsageError(with_hint(file + ": a key at line " + std::to_string(kv.first.Mark().line + 1) +
                                     " is not a plain option name",
                                 "keys are option names such as 'batch-size'"));
    }
    std::string key = kv.first.Scalar();
    std::replace(key.begin(), key.end(), '_', '-');
    CLI::ConfigItem item;
    item.name = key;
    if (!section.empty()) item.parents = {section};
    const YAML::Node& v = kv.second;
    if (v.IsScalar()) {
      item.inputs.push_back(v.Scalar());
    } else if (v.IsSequence()) {
      for (const auto& e : v) {
        if (!e.IsScalar()) throw UsageError(file + ": '" + key + "' must be a list of plain values");
        item.inputs.push_back(e.Scalar());
      }
    } else {
      throw UsageError(with_hint(file + ": '" + key + "' has no value or a nested mapping",
                                 "options are flat: 'replay-capacity: 500', not nested sections"));
    }
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace mnemo::cli
