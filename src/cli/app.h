// Implements: the mnemo command line without LibTorch: the app (options,
//   YAML configs, dispatch), the error policy, and the light commands
//   (prepare, inspect, report). The commands that need LibTorch (train,
//   export) are added by TorchCommands: the full ones by run_main
//   (run_main.h), stand-ins by the light `mnemo` executable, which hands
//   those commands to `mnemo-torch` before loading any of LibTorch
//   (src/cli/main.cc), so `--help`, `inspect` and `report` start in
//   milliseconds.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "comm/communicator.h"

namespace mnemo::cli {

/// The commands that need LibTorch.
class TorchCommands {
 public:
  virtual ~TorchCommands() = default;
  /// Adds the `train` and `export` subcommands (with `footer`, the --config help).
  virtual void add(CLI::App& app, const char* footer) = 0;
  /// "train" or "export" when one of them was parsed, else "".
  virtual std::string parsed() const = 0;
  /// The parsed command's declared checks (all ranks, before heavy set-up).
  virtual void validate() = 0;
  /// Runs the parsed command (all ranks).
  virtual void run(Communicator& control) = 0;
  /// The JSON keys of `train`'s result-neutral options (paths, threads, ...),
  /// which `report` never groups runs by.
  virtual std::vector<std::string> result_neutral_keys() const = 0;
};

/// How run_cli starts communication: always MPI (training needs it), or MPI
/// only when an MPI launcher started the process (mpirun, srun --mpi=pmix),
/// else a one-rank local communicator: MPI_Init alone costs ~0.35 s here.
enum class MpiStart { kAlways, kWhenLaunched };

/// Runs `mnemo SUBCOMMAND ...` with `torch`'s commands beside the light
/// ones; returns the process exit code.
int run_cli(int argc, char** argv, TorchCommands& torch, MpiStart mpi);

/// True when an MPI launcher started this process (its environment says so).
bool launched_by_mpi();

}  // namespace mnemo::cli
