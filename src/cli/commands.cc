// Implements: the subcommands' option tables and entry points.
#include "cli/commands.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

#include "cli/option_binding.h"
#include "comm/agreement.h"
#include "core/atomic_file.h"
#include "core/env.h"
#include "core/error.h"
#include "core/process.h"
#include "data/stream_format.h"
#include "data/stream_inspect.h"
#include "eval/report.h"
#include "eval/results_writer.h"
#include "replay/replay_store.h"

namespace mnemo::cli {

void add_inspect_options(CLI::App& sub, std::vector<std::string>& paths) {
  sub.add_option("paths", paths,
                 "Stream directories, run directories, replay directories (run-dir/replay) or replay shards")
      ->required();
}

namespace {

// The network per task: parameters, of which trained and not (frozen, or
// masked within a tensor: PackNet's weights of other tasks), and the
// bytes each step all-reduced (results.json version 4 and later).
std::string describe_structure(const nlohmann::json& tasks) {
  if (tasks.empty() || !tasks.at(0).contains("parameters")) return "";
  std::string out = "  network per task:   parameters    trained  frozen or masked  all-reduced/step\n";
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    const auto total = tasks[t].at("parameters").get<std::int64_t>();
    const auto trained = tasks[t].at("trainable_parameters").get<std::int64_t>();
    const auto bytes = tasks[t].at("gradient_bytes_per_step").get<std::int64_t>();
    out += fmt::format("    task {:<3}        {:>12} {:>10} {:>17} {:>17}\n", t, total, trained, total - trained,
                       bytes > 0 ? fmt::format("{:.1f} KiB", bytes / 1024.0) : std::string("- (1 rank)"));
  }
  return out;
}

// A run directory: its setting, accuracy matrices, network per task, checkpoints, exports and replay memory.
std::string describe_run(const std::string& dir) {
  namespace fs = std::filesystem;
  std::string out = "run " + dir + "\n";
  const fs::path results = fs::path(dir) / "results.json";
  const fs::path config_file = fs::path(dir) / "config.json";
  std::ifstream in(fs::exists(results) ? results : config_file);
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw InputError(with_hint("cannot read " + (fs::exists(results) ? results : config_file).string(),
                               "the file is damaged"));
  }
  const nlohmann::json& config = j.contains("config") ? j.at("config") : j;
  out += "  setting: ";
  for (const char* k : {"strategy", "model", "stream", "replay_capacity", "batch_size", "epochs", "lr", "seed"}) {
    if (config.contains(k)) {
      const auto& v = config.at(k);
      out += std::string(k) + "=" + (v.is_string() ? v.get<std::string>() : v.dump()) + " ";
    }
  }
  out += "\n";
  if (j.contains("accuracy")) {
    out += "  complete: " + std::string(j.value("complete", false) ? "yes" : "no (training did not finish)") + "\n";
    out += eval::format_matrix(j.at("accuracy").at("class_il").get<eval::Matrix>(), "  class-IL accuracy matrix");
    out += eval::format_matrix(j.at("accuracy").at("task_il").get<eval::Matrix>(), "  task-IL accuracy matrix");
    out += describe_structure(j.at("tasks"));
  } else {
    out += "  no results.json yet (running, or stopped before the first task's end)\n";
  }
  std::vector<std::string> checkpoints;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "checkpoints", ec)) {
    if (fs::exists(e.path() / "DONE")) checkpoints.push_back(e.path().filename().string());
  }
  std::sort(checkpoints.begin(), checkpoints.end());
  out += "  complete checkpoints: " + std::to_string(checkpoints.size());
  if (!checkpoints.empty()) out += " (newest " + checkpoints.back() + "; resume with --resume auto)";
  out += "\n";
  std::vector<std::string> exports;
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "model", ec)) exports.push_back(e.path().filename());
  std::sort(exports.begin(), exports.end());
  out += "  model exports (RUN/model/):";
  for (const auto& e : exports) out += " " + e;
  out += exports.empty() ? " none\n" : "\n";
  if (fs::exists(fs::path(dir) / "replay")) out += replay::describe_replay((fs::path(dir) / "replay").string());
  return out;
}

}  // namespace

void run_inspect(const std::vector<std::string>& paths, Communicator& control) {
  run_agreed(control, [&] {
    if (control.rank() != 0) return;
    for (const auto& p : paths) {
      const std::filesystem::path path(p);
      const bool stream = std::filesystem::exists(path / data::kManifestFile);
      const bool run = std::filesystem::exists(path / "config.json");
      std::fputs((stream ? data::describe_stream(p) : run ? describe_run(p) : replay::describe_replay(p)).c_str(),
                 stdout);
    }
    std::fflush(stdout);
  });
}

void ReportOptions::declare(OptionTable& t) {
  t.add("reference", reference, "A joint run: adds intransigence against its final accuracies");
  t.add("output", output, "Directory for report.txt, report.json and the plots");
  t.add("plots", plots, "Draw the matplotlib plots (--no-plots skips them)");
  t.add("merge-settings", merge_settings,
        "One row per dataset, task count and strategy even when other result-affecting options differ (a warning "
        "lists them); by default runs that differ in anything but the seed are never averaged together");
}

void add_report_options(CLI::App& sub, ReportOptions& o, OptionTable& table) {
  sub.add_option("runs", o.runs, "Run directories (each with results.json)")->required();
  o.declare(table);
  add_options(sub, table);
}

namespace {

// MNEMO_PYTHON, else Debian's python3 (which has matplotlib), else PATH's.
std::string python() {
  return env::get(env::kPython, std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
}

std::string plot_script() {
  const std::string configured = env::get(env::kPlotScript);
  if (!configured.empty()) return configured;
  for (const char* rel : {"mnemo_plot_report.py", "../share/mnemo/mnemo_plot_report.py"}) {
    const auto path = std::filesystem::path(executable_dir()) / rel;
    if (std::filesystem::exists(path)) return path.string();
  }
  throw InputError(with_hint("the plotting helper mnemo_plot_report.py is not next to the mnemo executable",
                             "set MNEMO_PLOT_SCRIPT to src/eval/plot_report.py, or pass --no-plots"));
}

// What never separates runs in a report: the seed, the stream's and run's
// paths (the dataset and task count are grouped on), and the result-neutral options.
eval::Grouping grouping(const ReportOptions& o, const std::vector<std::string>& result_neutral) {
  eval::Grouping g;
  g.merge_settings = o.merge_settings;
  g.ignored = {"seed", "stream"};
  g.ignored.insert(g.ignored.end(), result_neutral.begin(), result_neutral.end());
  return g;
}

void report(const ReportOptions& o, const std::vector<std::string>& result_neutral) {
  std::vector<eval::RunSummary> runs;
  for (const auto& dir : o.runs) {
    auto run = eval::load_run(dir);
    if (!run.complete) {
      spdlog::warn("{} is incomplete (training did not finish); left out of the report", dir);
      continue;
    }
    runs.push_back(std::move(run));
  }
  if (runs.empty()) throw InputError("no complete run among the given directories");
  std::optional<eval::RunSummary> reference;
  if (!o.reference.empty()) reference = eval::load_run(o.reference);
  const auto rows = eval::build_report(runs, reference, grouping(o, result_neutral));
  for (const auto& row : rows) {
    if (!row.mixed.empty()) {
      std::string keys;
      for (const auto& k : row.mixed) keys += (keys.empty() ? "" : ", ") + k;
      spdlog::warn("--merge-settings: the row {} ({} tasks, {}) averages runs whose options differ: {}", row.label,
                   row.tasks, row.dataset, keys);
    }
    const std::set<std::uint64_t> distinct(row.seeds.begin(), row.seeds.end());
    if (distinct.size() < row.seeds.size()) {
      spdlog::warn("the row {} ({} tasks, {}) holds {} runs but {} distinct seed(s): repeated runs count twice",
                   row.label, row.tasks, row.dataset, row.seeds.size(), distinct.size());
    }
  }
  const std::string table = eval::format_report(rows);
  const std::string class_reports = eval::format_class_reports(rows);
  std::fputs(table.c_str(), stdout);
  std::fputs(("\n" + class_reports).c_str(), stdout);
  std::fflush(stdout);
  std::error_code ec;
  std::filesystem::create_directories(o.output, ec);
  if (ec) throw StorageError("cannot create " + o.output + ": " + ec.message(), "choose a writable --output");
  const std::string json_path = (std::filesystem::path(o.output) / "report.json").string();
  write_file_atomically(json_path, eval::report_json(rows).dump(2) + "\n");
  write_file_atomically((std::filesystem::path(o.output) / "report.txt").string(), table + "\n" + class_reports);
  if (o.plots) {
    const std::vector<std::string> cmd = {python(), plot_script(), json_path, o.output};
    const int rc = run_process(cmd);
    if (rc != 0) {
      throw InputError(with_hint("plotting failed (" + cmd[0] + " " + cmd[1] + " exited " + std::to_string(rc) + ")",
                                 "install matplotlib (apt-get install python3-matplotlib), or pass --no-plots"));
    }
  }
  spdlog::info("wrote {}/report.txt, report.json{}", o.output, o.plots ? ", the figures and index.html" : "");
}

}  // namespace

void run_report(const ReportOptions& o, const std::vector<std::string>& result_neutral, Communicator& control) {
  run_agreed(control, [&] {
    if (control.rank() == 0) report(o, result_neutral);
  });
}

void run_prepare(const data::PrepareOptions& o, Communicator& control) {
  run_agreed(control, [&] {
    if (control.rank() == 0) spdlog::info("{}", data::prepare_stream(o));
  });
}

}  // namespace mnemo::cli
