// Implements: a build-time tool: writes the header (argv[1]) that gives the
//   light mnemo executable the JSON keys of train's result-neutral options,
//   so that `mnemo report` groups runs as run_main would, without LibTorch.
#include <cstdio>
#include <fstream>

#include "cli/run_main.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_HEADER\n", argv[0]);
    return 2;
  }
  std::ofstream out(argv[1]);
  out << "// Generated at build time by mnemo_result_neutral_keys (src/cli/result_neutral_keys_main.cc).\n"
         "#pragma once\n#include <string>\n#include <vector>\nnamespace mnemo::cli {\n"
         "inline const std::vector<std::string> kResultNeutralKeys = {\n";
  for (const auto& key : mnemo::cli::train_result_neutral_keys()) out << "    \"" << key << "\",\n";
  out << "};\n}  // namespace mnemo::cli\n";
  return out ? 0 : 1;
}
