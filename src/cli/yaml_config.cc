// Implements: YamlConfig (see yaml_config.h).
#include "cli/yaml_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "core/error.h"

namespace mnemo::cli {

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// "; did you mean 'batch-size'?" for the closest name within 3 edits, else "".
std::string suggestion(const std::string& key, const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_distance = 4;
  for (const auto& name : known) {
    const std::size_t d = edit_distance(key, name);
    if (d < best_distance) {
      best_distance = d;
      best = name;
    }
  }
  return best.empty() ? "" : "did you mean '" + best + "'? ";
}

}  // namespace

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
  const std::vector<std::string> known = section.empty() ? std::vector<std::string>{} : known_(section);
  std::map<std::string, int> seen;  // key -> its line
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
    const int line = kv.first.Mark().line + 1;
    if (!known.empty() && std::find(known.begin(), known.end(), key) == known.end()) {
      throw UsageError(with_hint(file + " line " + std::to_string(line) + ": unknown option '" + key +
                                     "' for 'mnemo " + section + "'",
                                 suggestion(key, known) + "keys are the long option names of 'mnemo " + section +
                                     " --help'"));
    }
    if (const auto [at, fresh] = seen.emplace(key, line); !fresh) {
      throw UsageError(with_hint(file + ": '" + key + "' is given twice, on lines " + std::to_string(at->second) +
                                     " and " + std::to_string(line),
                                 "keep one of them"));
    }
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
