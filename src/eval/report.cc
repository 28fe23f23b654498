// Implements: run loading, grouping and the report table.
#include "eval/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

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
    // Versions 2 to 5 only added keys (task-IL confusion, class reports; machine; parameter counts; input bytes): all read.
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
    r.config = config;
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
    r.num_classes = field(j, "num_classes", "").get<std::int64_t>();
    auto last_confusion = [&](const char* name) {
      std::vector<std::int64_t> flat;
      if (!j.contains(name) || !j.at(name).is_array() || j.at(name).empty()) return flat;
      for (const auto& row : j.at(name).back()) {
        const auto v = row.get<std::vector<std::int64_t>>();
        flat.insert(flat.end(), v.begin(), v.end());
      }
      if (static_cast<std::int64_t>(flat.size()) != r.num_classes * r.num_classes) {
        throw InputError(path + ": '" + name + "' is not " + std::to_string(r.num_classes) + " x " +
                         std::to_string(r.num_classes));
      }
      return flat;
    };
    r.final_confusion = last_confusion("confusion");
    r.final_confusion_task_il = last_confusion("confusion_task_il");
    if (r.class_il.empty() || r.class_il.size() != r.task_il.size() ||
        static_cast<std::int64_t>(r.class_il[0].size()) != r.tasks) {
      throw InputError(path + ": accuracy matrices and baseline disagree in size");
    }
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(with_hint(path + ": a field has the wrong type (" + e.what() + ")", "the file is damaged; rerun"));
  }
}

namespace {

// The config without the keys that never separate runs.
nlohmann::json setting_of(const RunSummary& r, const Grouping& g) {
  nlohmann::json s = r.config.is_object() ? r.config : nlohmann::json::object();
  for (const auto& k : g.ignored) s.erase(k);
  return s;
}

// Keys whose values are not the same in every one of `settings`.
std::vector<std::string> differing_keys(const std::vector<const nlohmann::json*>& settings) {
  std::set<std::string> keys;
  for (const auto* s : settings) {
    for (const auto& [k, _] : s->items()) keys.insert(k);
  }
  std::vector<std::string> out;
  for (const auto& k : keys) {
    for (const auto* s : settings) {
      if (!s->contains(k) || !settings[0]->contains(k) || s->at(k) != settings[0]->at(k)) {
        out.push_back(k);
        break;
      }
    }
  }
  return out;
}

std::string value_text(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// The report of the members' summed final confusion counts; nullopt when
// one lacks them or the class counts differ.
std::optional<ClassReport> summed_report(const std::vector<const RunSummary*>& members, bool task_il) {
  const std::int64_t c = members[0]->num_classes;
  std::vector<std::int64_t> sum(static_cast<std::size_t>(c * c), 0);
  for (const RunSummary* r : members) {
    const auto& counts = task_il ? r->final_confusion_task_il : r->final_confusion;
    if (r->num_classes != c || counts.size() != sum.size() || c == 0) return std::nullopt;
    for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += counts[i];
  }
  return class_report(sum, c);
}

}  // namespace

std::vector<ReportRow> build_report(const std::vector<RunSummary>& runs, const std::optional<RunSummary>& reference,
                                    const Grouping& grouping) {
  // A row per (dataset, tasks, strategy, the rest of the setting unless merged).
  using Key = std::tuple<std::string, std::int64_t, std::string, std::string>;
  std::map<Key, std::vector<const RunSummary*>> groups;
  std::map<Key, nlohmann::json> setting;
  for (const auto& r : runs) {
    const nlohmann::json s = setting_of(r, grouping);
    const Key key{r.dataset, r.tasks, r.strategy, grouping.merge_settings ? "" : s.dump()};
    groups[key].push_back(&r);
    setting.emplace(key, s);
  }
  // Labels name what differs between the rows of one dataset and task count.
  std::map<std::pair<std::string, std::int64_t>, std::vector<const nlohmann::json*>> peers;
  for (const auto& [key, s] : setting) peers[{std::get<0>(key), std::get<1>(key)}].push_back(&s);
  std::vector<ReportRow> rows;
  for (const auto& [key, members] : groups) {
    ReportRow row;
    row.dataset = std::get<0>(key);
    row.tasks = std::get<1>(key);
    row.strategy = std::get<2>(key);
    row.label = row.strategy;
    if (!grouping.merge_settings) {
      const nlohmann::json& mine = setting.at(key);
      for (const auto& k : differing_keys(peers.at({row.dataset, row.tasks}))) {
        if (k != "strategy" && mine.contains(k)) row.label += " " + k + "=" + value_text(mine.at(k));
      }
    } else {
      std::vector<nlohmann::json> own;
      for (const RunSummary* r : members) own.push_back(setting_of(*r, grouping));
      std::vector<const nlohmann::json*> ptrs;
      for (const auto& s : own) ptrs.push_back(&s);
      row.mixed = differing_keys(ptrs);
    }
    std::vector<double> acc, bwt, fwt, fgt, aia, til, intr;
    row.mean_class_il.assign(members[0]->class_il.size(), std::vector<double>(static_cast<std::size_t>(row.tasks), 0));
    row.has_intransigence = reference && reference->dataset == row.dataset && reference->tasks == row.tasks;
    for (const RunSummary* r : members) {
      row.dirs.push_back(r->dir);
      row.seeds.push_back(r->seed);
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
    row.std_class_il = row.mean_class_il;
    for (std::size_t i = 0; i < row.std_class_il.size(); ++i) {
      for (std::size_t k = 0; k < row.std_class_il[i].size(); ++k) {
        std::vector<double> values;
        for (const RunSummary* r : members) values.push_back(r->class_il[i][k]);
        row.std_class_il[i][k] = stat_of(values).std;
      }
    }
    row.class_report = summed_report(members, false);
    row.class_report_task_il = summed_report(members, true);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string format_report(const std::vector<ReportRow>& rows) {
  std::ostringstream os;
  bool any_intr = false;
  std::size_t width = 12;
  for (const auto& r : rows) {
    any_intr |= r.has_intransigence;
    width = std::max(width, r.label.size());
  }
  char buf[256];
  // Cells are 14 characters wide on screen ("±" is two bytes, so no printf widths).
  std::snprintf(buf, sizeof(buf), "%-16s %-6s %-*s %-6s %-14s %-14s %-14s %-14s %-14s", "dataset", "tasks",
                static_cast<int>(width), "setting", "seeds", "ACC", "BWT", "FWT", "forgetting", "task-IL ACC");
  os << buf << (any_intr ? " intransigence" : "") << "\n";
  for (const auto& r : rows) {
    std::snprintf(buf, sizeof(buf), "%-16s %-6lld %-*s %-6zu %s %s %s %s %s", r.dataset.c_str(),
                  static_cast<long long>(r.tasks), static_cast<int>(width), r.label.c_str(), r.dirs.size(),
                  cell(r.acc).c_str(), cell(r.bwt).c_str(), cell(r.fwt).c_str(), cell(r.forgetting).c_str(),
                  cell(r.task_il_acc).c_str());
    os << buf;
    if (r.has_intransigence) os << " " << cell(r.intransigence);
    os << "\n";
  }
  os << "(class-IL metrics unless marked; percent, mean ± sample std over the row's runs; a row holds runs that "
        "differ only in their seed)\n";
  return os.str();
}

std::string format_class_reports(const std::vector<ReportRow>& rows) {
  std::string out;
  for (const auto& r : rows) {
    const std::string who = r.label + " on " + r.dataset + " (" + std::to_string(r.tasks) + " tasks, " +
                            std::to_string(r.dirs.size()) + " run" + (r.dirs.size() == 1 ? "" : "s") + ")";
    if (r.class_report) out += format_class_report(*r.class_report, who + ", class-IL, after the last task") + "\n";
    if (r.class_report_task_il) {
      out += format_class_report(*r.class_report_task_il, who + ", task-IL, after the last task") + "\n";
    }
  }
  return out;
}

nlohmann::json report_json(const std::vector<ReportRow>& rows) {
  auto st = [](const Stat& s) { return nlohmann::json{{"mean", s.mean}, {"std", s.std}}; };
  nlohmann::json out = {{"schema", "mnemo.report"}, {"schema_version", 1}, {"rows", nlohmann::json::array()}};
  for (const auto& r : rows) {
    nlohmann::json row = {{"dataset", r.dataset},
                          {"tasks", r.tasks},
                          {"strategy", r.strategy},
                          {"label", r.label},
                          {"runs", r.dirs},
                          {"seeds", r.seeds},
                          {"mixed_options", r.mixed},
                          {"acc", st(r.acc)},
                          {"bwt", st(r.bwt)},
                          {"fwt", st(r.fwt)},
                          {"forgetting", st(r.forgetting)},
                          {"avg_incremental_acc", st(r.avg_incremental_acc)},
                          {"task_il_acc", st(r.task_il_acc)},
                          {"mean_class_il", r.mean_class_il},
                          {"std_class_il", r.std_class_il}};
    if (r.class_report) row["class_report"]["class_il"] = class_report_json(*r.class_report);
    if (r.class_report_task_il) row["class_report"]["task_il"] = class_report_json(*r.class_report_task_il);
    if (r.has_intransigence) row["intransigence"] = st(r.intransigence);
    out["rows"].push_back(row);
  }
  return out;
}

}  // namespace mnemo::eval
