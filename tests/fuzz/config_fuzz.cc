// Fuzz target: the YAML config reader. Any text must give config items or a
// UsageError, never a crash or another exception type.
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "cli/yaml_config.h"
#include "core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A few known option names, so that both the known-key and the unknown-key (suggestion) paths run.
  const mnemo::cli::YamlConfig config([] { return std::string("fuzz.yaml"); }, [] { return std::string("train"); },
                                      [](const std::string&) {
                                        return std::vector<std::string>{"strategy", "batch-size", "hidden", "lr"};
                                      });
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    config.from_config(in);
  } catch (const mnemo::UsageError&) {
  }
  return 0;
}
