// Implements: run_cli (see app.h): MPI start-up, argument parsing,
//   dispatch, and the error policy:
//   - errors every rank agreed on (AgreedError) exit cleanly with their code,
//     printed once by the rank that failed first;
//   - any other error is logged by the rank that hit it, which then aborts
//     the whole job (NCCL abort + MPI_Abort), so no peer waits forever.
#include <spdlog/spdlog.h>
#include <torch/version.h>  // header only: the version text names the LibTorch mnemo-torch links

#include <CLI/CLI.hpp>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/option_binding.h"
#include "cli/yaml_config.h"
#include "comm/agreement.h"
#include "comm/communicator.h"
#include "core/env.h"
#include "core/error.h"
#include "core/log.h"
#include "git_version.h"

namespace {

constexpr std::array<const char*, 5> kCommands = {"prepare", "train", "inspect", "report", "export"};

std::string version_text() {
  std::string backends = "mpi, local";
#ifdef MNEMO_HAVE_NCCL
  backends += ", nccl";
#endif
  return std::string("mnemo ") + MNEMO_VERSION + " (commit " + MNEMO_GIT_COMMIT + ")\nLibTorch " + TORCH_VERSION +
         "\ngradient backends built in: " + backends;
}

// --config naming a directory: CLI11 would say "was not readable (missing?)".
void check_config_path(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    std::string path;
    if (arg == "--config" && i + 1 < argc) path = argv[i + 1];
    if (arg.rfind("--config=", 0) == 0) path = arg.substr(9);
    std::error_code ec;
    if (!path.empty() && std::filesystem::is_directory(path, ec)) {
      throw mnemo::UsageError(mnemo::with_hint("--config " + path + " is a directory", "give the YAML file itself"));
    }
  }
}

// `mnemo trian`: name the commands instead of CLI11's "A subcommand is required".
void check_command(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return;
  const std::string given = argv[1];
  std::string known;
  for (const char* c : kCommands) {
    if (given == c) return;
    known += (known.empty() ? "" : ", ") + std::string(c);
  }
  throw mnemo::UsageError(mnemo::with_hint("unknown command '" + given + "'", "the commands are " + known +
                                                                                  "; run 'mnemo --help'"));
}

int run(int argc, char** argv, mnemo::Communicator& control, mnemo::cli::TorchCommands& torch) {
  using namespace mnemo;
  CLI::App app{"mnemo: distributed continual learning (LibTorch + MPI/NCCL + HDF5)", "mnemo"};
  app.option_defaults()->always_capture_default();
  app.require_subcommand(1);
  app.set_version_flag("--version", version_text());
  bool quiet = false, verbose = false;
  app.add_flag("-q,--quiet", quiet, "Warnings and errors only");
  app.add_flag("-v,--verbose", verbose, "Debug messages, the resolved configuration, and every rank's warnings");
  app.allow_config_extras(CLI::config_extras_mode::error);
  // --config belongs to the main app (CLI11 reads config files there only);
  // subcommands pass it up (fallthrough), so `mnemo train --config F` works.
  CLI::Option* config = app.set_config("--config", "", "YAML file of options for the subcommand (flags override it)");
  const char* kConfigFooter = "\n--config FILE: a YAML file of this command's options (long names, e.g. "
                              "'batch-size: 10'); flags given on the command line override it.";

  // Each command's options are declared by their modules (declare()); the
  // tables bind them to these structs and live until the command has run.
  data::PrepareOptions prepare;
  OptionTable prepare_table;
  prepare.declare(prepare_table);
  auto* prepare_cmd = app.add_subcommand("prepare", "Cut a dataset into a task stream of HDF5 shards");
  prepare_cmd->fallthrough()->footer(kConfigFooter);
  cli::add_options(*prepare_cmd, prepare_table);

  torch.add(app, kConfigFooter);  // train, export

  std::vector<std::string> inspect;
  auto* inspect_cmd = app.add_subcommand("inspect", "Validate and describe streams and replay memories");
  cli::add_inspect_options(*inspect_cmd, inspect);

  cli::ReportOptions report;
  OptionTable report_table;
  auto* report_cmd = app.add_subcommand("report", "Compare runs: a table of metrics (mean ± std over seeds) and plots");
  cli::add_report_options(*report_cmd, report, report_table);


  app.config_formatter(std::make_shared<cli::YamlConfig>(
      [config] { return config->as<std::string>(); },
      [&] { return prepare_cmd->parsed() ? std::string("prepare") : torch.parsed(); },
      [&](const std::string& section) {
        std::vector<std::string> names;
        for (const CLI::Option* o : app.get_subcommand(section)->get_options()) {
          for (const auto& n : o->get_lnames()) names.push_back(n);
        }
        return names;
      }));

  bool done = false;
  int code = kExitOk;
  run_agreed(control, [&] {
    env::check_launch(control.world_size());
    check_command(argc, argv);
    check_config_path(argc, argv);
    try {
      app.parse(argc, argv);
    } catch (const CLI::ConfigError& e) {
      throw UsageError(with_hint("config file " + config->as<std::string>() + ": " + e.what(),
                                 "keys are the long option names of the subcommand, e.g. 'batch-size: 10'"));
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == 0) {  // --help
        if (control.rank() == 0) app.exit(e);
        done = true;
        return;
      }
      const std::string command = prepare_cmd->parsed()   ? "prepare"
                                  : report_cmd->parsed()  ? "report"
                                  : inspect_cmd->parsed() ? "inspect"
                                  : !torch.parsed().empty() ? torch.parsed()
                                                            : "train";
      throw UsageError(
          with_hint(e.what(), "run 'mnemo --help' or 'mnemo " + command + " --help' for the options and their defaults"));
    }
  });
  if (done) return code;
  if (verbose) spdlog::set_level(spdlog::level::debug);
  if (quiet && !verbose) spdlog::set_level(spdlog::level::warn);
  // The declared checks, before any heavy set-up (every rank alike).
  run_agreed(control, [&] {
    if (prepare_cmd->parsed()) prepare_table.validate();
    if (!torch.parsed().empty()) torch.validate();
  });
  if (prepare_cmd->parsed()) cli::run_prepare(prepare, control);
  if (!torch.parsed().empty()) torch.run(control);
  if (report_cmd->parsed()) cli::run_report(report, torch.result_neutral_keys(), control);
  if (inspect_cmd->parsed()) cli::run_inspect(inspect, control);
  return code;
}

}  // namespace

namespace mnemo::cli {

namespace {

// Every error exit says what to do: messages written without a HINT get the exit code's general one.
std::string with_default_hint(const std::string& what, int exit_code) {
  if (what.find("HINT:") != std::string::npos) return what;
  switch (exit_code) {
    case kExitUsage: return with_hint(what, "run 'mnemo COMMAND --help' for the options and their defaults");
    case kExitInput: return with_hint(what, "check the file or directory named above, or prepare it again");
    case kExitDiverged: return with_hint(what, "lower --lr, or check the stream's values (mnemo inspect)");
    case kExitStorage: return with_hint(what, "free space or fix permissions where it writes, then --resume auto");
    default:
      return with_hint(what, "please report it with the command line and this output (mnemo --version); "
                             "-v shows every rank's messages");
  }
}

}  // namespace

bool launched_by_mpi() {
  // Open MPI's mpirun, PMIx (srun --mpi=pmix, prterun), PMI-1/2 and MPICH's Hydra, or a multi-task srun step.
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"}) {
    if (std::getenv(v) != nullptr) return true;
  }
  const char* tasks = std::getenv("SLURM_STEP_NUM_TASKS");
  return tasks != nullptr && std::atoi(tasks) > 1;
}

int run_cli(int argc, char** argv, TorchCommands& torch, MpiStart start) {
  std::unique_ptr<MpiSession> mpi;
  std::unique_ptr<Communicator> control;
  try {
    if (start == MpiStart::kAlways || launched_by_mpi()) {
      mpi = std::make_unique<MpiSession>(&argc, &argv);
      control = make_mpi_communicator();
    } else {
      control = make_local_communicator();
    }
    init_logging(control->rank(), control->world_size());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mnemo: cannot start MPI: %s\n", e.what());
    return kExitInternal;
  }
  try {
    return run(argc, argv, *control, torch);
  } catch (const AgreedError& e) {
    if (e.reporter()) spdlog::error("{}", with_default_hint(e.what(), e.exit_code()));
    return e.exit_code();
  } catch (const Error& e) {
    spdlog::error("{}", with_default_hint(e.what(), e.exit_code()));
    spdlog::default_logger()->flush();
    if (control->world_size() > 1) control->abort(e.exit_code());
    return e.exit_code();
  } catch (const std::exception& e) {
    spdlog::error("{}", with_default_hint(std::string("unexpected error: ") + e.what(), kExitInternal));
    spdlog::default_logger()->flush();
    if (control->world_size() > 1) control->abort(kExitInternal);
    return kExitInternal;
  }
}

}  // namespace mnemo::cli
