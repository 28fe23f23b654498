// Implements: YAML experiment files for CLI11. A file is a flat mapping of
//   option long names to values (`batch-size: 10`, `hidden: [100, 100]`;
//   underscores may replace dashes). Command-line flags override the file.
#pragma once

#include <CLI/CLI.hpp>

namespace mnemo::cli {

class YamlConfig : public CLI::Config {
 public:
  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;
};

}  // namespace mnemo::cli
