// Implements: YAML experiment files for CLI11. A file is a flat mapping of
//   option long names to values (`batch-size: 10`, `hidden: [100, 100]`;
//   underscores may replace dashes). Command-line flags override the file.
//   An unknown key (with the closest option name) and a key given twice
//   (with both lines) are UsageErrors naming the file and line.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace mnemo::cli {

/// CLI11 only reads config files for the main app, so the file is read
/// there and its items are routed to the active subcommand (`section`),
/// whose flags still override it (CLI11 fills only options left empty).
class YamlConfig : public CLI::Config {
 public:
  /// `path`, `section` and `known` (the section's long option names) are
  /// called while the file is read.
  YamlConfig(std::function<std::string()> path, std::function<std::string()> section,
             std::function<std::vector<std::string>(const std::string&)> known)
      : path_(std::move(path)), section_(std::move(section)), known_(std::move(known)) {}
  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;

 private:
  std::function<std::string()> path_, section_;
  std::function<std::vector<std::string>(const std::string&)> known_;
};

}  // namespace mnemo::cli
