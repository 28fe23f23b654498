// Implements: the mnemo executable, without LibTorch: prepare, inspect,
//   report, --help and --version run here and start in milliseconds (MPI
//   only under an MPI launcher); train and export are handed to
//   mnemo-torch, next to this executable, by exec() before MPI starts, so
//   each of mpirun's ranks becomes a mnemo-torch process with the same
//   arguments, environment and process id.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/app.h"
#include "core/error.h"
#include "result_neutral_keys.h"  // generated at build time by mnemo_result_neutral_keys

namespace {

// The subcommand: the first argument that is not one of the main app's options (-q, -v, --config FILE).
std::string command_of(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--config") {
      ++i;
      continue;
    }
    if (!arg.empty() && arg[0] == '-') continue;
    return arg;
  }
  return "";
}

// train and export as names in --help; they never run here.
class TorchStandIns final : public mnemo::cli::TorchCommands {
 public:
  void add(CLI::App& app, const char* /*footer*/) override {
    app.add_subcommand("train", "Train on a task stream (run under mpirun for several ranks)")->allow_extras();
    app.add_subcommand("export",
                       "Write a checkpoint's model as TorchScript (model.ts) and a state dict (state_dict.pt)")
        ->allow_extras();
  }
  std::string parsed() const override { return ""; }
  void validate() override {}
  void run(mnemo::Communicator& /*control*/) override {}
  std::vector<std::string> result_neutral_keys() const override { return mnemo::cli::kResultNeutralKeys; }
};

int exec_torch_binary(char** argv) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::string full = (self.parent_path() / "mnemo-torch").string();
  ::execv(full.c_str(), argv);
  std::fprintf(stderr,
               "mnemo: cannot start %s: %s (train and export run there)\n"
               "  HINT: build the mnemo-torch target, or install it next to mnemo\n",
               full.c_str(), std::strerror(errno));
  return mnemo::kExitInternal;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = command_of(argc, argv);
  if (command == "train" || command == "export") return exec_torch_binary(argv);
  TorchStandIns torch;
  return mnemo::cli::run_cli(argc, argv, torch, mnemo::cli::MpiStart::kWhenLaunched);
}
