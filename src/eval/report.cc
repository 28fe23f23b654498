// Implements: run loading, grouping and the report table.
#include "eval/report.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/error.h"
#include "eval/results_writer.h"

namespace mnemo::eval {

namespace fs = std::filesystem;

namespace {

Stat stat_of(const std::vector<double>& v) {
  Stat s;
  if (v.empty()) return s;
  for (double x : v) s.mean += x / static_cast<double>(v.size());
  if (v.size() > 1) {
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.std = std::sqrt(ss / static_cast<double>(v.size() - 1));
  }
  return s;
}

std::string cell(const Stat& s) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%6.2f ± %5.2f", 100 * s.mean, 100 * s.std);
  return buf;
}

}  // namespace

RunSummary load_run(const std::string& dir) {
  const std::string path = (fs::path(dir) / "results.json").string();
  std::ifstream in(path);
  if (!in) {
    throw InputError(with_hint("cannot read " + path, "pass run directories written by mnemo train (--run-dir)"));
  }
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw InputError(with_hint(path + " is not valid JSON", "the file is damaged; rerun"));
  auto field = [&](const nlohmann::json& parent, const char* name, const std::string& where) -> const nlohmann::json& {
    if (!parent.is_object() || !parent.contains(name)) {
      throw InputError(path + ": missing field '" + where + name + "'");
    }
    return parent.at(name);
  };
  try {
    // Version 2 only added keys (task-IL confusion, class reports): both read.
    const nlohmann::json& version = field(j, "schema_version", "");
    if (field(j, "schema", "") != "mnemo.results" || !version.is_number_integer() || version.get<int>() < 1 ||
        version.get<int>() > kResultsSchemaVersion) {
      throw InputError(with_hint(path + ": not a mnemo.results file of version 1.." +
                                     std::to_string(kResultsSchemaVersion),
                                 "this mnemo reads results schema versions 1 to " +
                                     std::to_string(kResultsSchemaVersion)));
    }
    RunSummary r;
    r.dir = dir;
    const auto& config = field(j, "config", "");
    r.strategy = field(config, "strategy", "config.").get<std::string>();
    r.seed = field(config, "seed", "config.").get<std::uint64_t>();
    r.dataset = field(field(j, "stream", ""), "dataset", "stream.").get<std::string>();
    r.complete = field(j, "complete", "").get<bool>();
    const auto& acc = field(j, "accuracy", "");
    r.class_il = field(acc, "class_il", "accuracy.").get<Matrix>();
    r.task_il = field(acc, "task_il", "accuracy.").get<Matrix>();
    const auto& base = field(j, "baseline", "");
    r.baseline_class_il = field(base, "class_il", "baseline.").get<std::vector<double>>();
    r.baseline_task_il = field(base, "task_il", "baseline.").get<std::vector<double>>();
    r.tasks = static_cast<std::int64_t>(r.baseline_class_il.size());
    if (r.class_il.empty() || r.class_il.size() != r.task_il.size() ||
        static_cast<std::int64_t>(r.class_il[0].size()) != r.tasks) {
      throw InputError(path + ": accuracy matrices and baseline disagree in size");
    }
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(with_hint(path + ": a field has the wrong type (" + e.what() + ")", "the file is damaged; rerun"));
  }
}

std::vector<ReportRow> build_report(const std::vector<RunSummary>& runs, const std::optional<RunSummary>& reference) {
  std::map<std::tuple<std::string, std::int64_t, std::string>, std::vector<const RunSummary*>> groups;
  for (const auto& r : runs) groups[{r.dataset, r.tasks, r.strategy}].push_back(&r);
  std::vector<ReportRow> rows;
  for (const auto& [key, members] : groups) {
    ReportRow row;
    std::tie(row.dataset, row.tasks, row.strategy) = key;
    std::vector<double> acc, bwt, fwt, fgt, aia, til, intr;
    row.mean_class_il.assign(members[0]->class_il.size(), std::vector<double>(static_cast<std::size_t>(row.tasks), 0));
    row.has_intransigence = reference && reference->dataset == row.dataset && reference->tasks == row.tasks;
    for (const RunSummary* r : members) {
      row.dirs.push_back(r->dir);
      const Metrics c = compute_metrics(r->class_il, r->baseline_class_il);
      const Metrics t = compute_metrics(r->task_il, r->baseline_task_il);
      acc.push_back(c.acc);
      bwt.push_back(c.bwt);
      fwt.push_back(c.fwt);
      fgt.push_back(c.forgetting);
      aia.push_back(c.avg_incremental_acc);
      til.push_back(t.acc);
      if (row.has_intransigence) intr.push_back(intransigence(r->class_il, reference->class_il.back()));
      const std::size_t rows_here = std::min(row.mean_class_il.size(), r->class_il.size());
      row.mean_class_il.resize(rows_here);
      for (std::size_t i = 0; i < rows_here; ++i) {
        for (std::size_t k = 0; k < row.mean_class_il[i].size(); ++k) {
          row.mean_class_il[i][k] += r->class_il[i][k] / static_cast<double>(members.size());
        }
      }
    }
    row.acc = stat_of(acc);
    row.bwt = stat_of(bwt);
    row.fwt = stat_of(fwt);
    row.forgetting = stat_of(fgt);
    row.avg_incremental_acc = stat_of(aia);
    row.task_il_acc = stat_of(til);
    row.intransigence = stat_of(intr);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string format_report(const std::vector<ReportRow>& rows) {
  std::ostringstream os;
  bool any_intr = false;
  for (const auto& r : rows) any_intr |= r.has_intransigence;
  char buf[256];
  // Cells are 14 characters wide on screen ("±" is two bytes, so no printf widths).
  std::snprintf(buf, sizeof(buf), "%-16s %-6s %-12s %-5s %-14s %-14s %-14s %-14s %-14s", "dataset", "tasks", "strategy",
                "runs", "ACC", "BWT", "FWT", "forgetting", "task-IL ACC");
  os << buf << (any_intr ? " intransigence" : "") << "\n";
  for (const auto& r : rows) {
    std::snprintf(buf, sizeof(buf), "%-16s %-6lld %-12s %-5zu %s %s %s %s %s", r.dataset.c_str(),
                  static_cast<long long>(r.tasks), r.strategy.c_str(), r.dirs.size(), cell(r.acc).c_str(),
                  cell(r.bwt).c_str(), cell(r.fwt).c_str(), cell(r.forgetting).c_str(), cell(r.task_il_acc).c_str());
    os << buf;
    if (r.has_intransigence) os << " " << cell(r.intransigence);
    os << "\n";
  }
  os << "(class-IL metrics unless marked; percent, mean ± sample std over runs)\n";
  return os.str();
}

nlohmann::json report_json(const std::vector<ReportRow>& rows) {
  auto st = [](const Stat& s) { return nlohmann::json{{"mean", s.mean}, {"std", s.std}}; };
  nlohmann::json out = {{"schema", "mnemo.report"}, {"schema_version", 1}, {"rows", nlohmann::json::array()}};
  for (const auto& r : rows) {
    nlohmann::json row = {{"dataset", r.dataset},
                          {"tasks", r.tasks},
                          {"strategy", r.strategy},
                          {"runs", r.dirs},
                          {"acc", st(r.acc)},
                          {"bwt", st(r.bwt)},
                          {"fwt", st(r.fwt)},
                          {"forgetting", st(r.forgetting)},
                          {"avg_incremental_acc", st(r.avg_incremental_acc)},
                          {"task_il_acc", st(r.task_il_acc)},
                          {"mean_class_il", r.mean_class_il}};
    if (r.has_intransigence) row["intransigence"] = st(r.intransigence);
    out["rows"].push_back(row);
  }
  return out;
}

}  // namespace mnemo::eval
