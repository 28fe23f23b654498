// Implements: stream_info, task_summary and report_results (see run_results.h).
#include "train/run_results.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "eval/class_report.h"
#include "eval/metrics.h"

namespace mnemo::train {

nlohmann::json stream_info(const data::StreamReader& s, const std::string& dir) {
  nlohmann::json tasks = nlohmann::json::array();
  for (std::int64_t t = 0; t < s.num_tasks(); ++t) tasks.push_back(s.task(t).classes);
  return {{"dir", std::filesystem::absolute(dir).string()},
          {"stream_id", s.stream_id()},
          {"dataset", s.dataset()},
          {"scenario", s.scenario()},
          {"num_classes", s.num_classes()},
          {"class_order", s.class_order()},
          {"task_classes", tasks},
          {"seed", s.seed()},
          {"provenance", nlohmann::json::parse(s.provenance_json(), nullptr, false)}};
}

std::string task_summary(std::int64_t t, const eval::RunResults& r) {
  std::string row;
  for (std::int64_t j = 0; j <= t; ++j) row += fmt::format(" {:.1f}", 100 * r.class_il.back()[j]);
  const auto& c = r.tasks.back();
  return fmt::format("task {} done: {:.2f}s training ({:.0f} samples/s, {:.0f}% in collectives), {:.2f}s "
                     "evaluation, peak RSS {} MiB; class-IL accuracy on tasks 0..{}:{}",
                     t, c.seconds, c.train_samples / std::max(c.seconds, 1e-9),
                     100 * c.comm_seconds / std::max(c.seconds, 1e-9), c.eval_seconds, c.peak_rss_bytes >> 20, t, row);
}

void report_results(const eval::RunResults& r, const std::string& run_dir) {
  const auto class_il = eval::compute_metrics(r.class_il, r.baseline_class_il);
  const auto task_il = eval::compute_metrics(r.task_il, r.baseline_task_il);
  std::fprintf(stdout, "\n%s\n%s\n%s\n%s\n\n", eval::format_matrix(r.class_il, "Class-IL accuracy matrix").c_str(),
               eval::format_matrix(r.task_il, "Task-IL accuracy matrix").c_str(),
               eval::format_metrics(class_il, "class-IL").c_str(), eval::format_metrics(task_il, "task-IL").c_str());
  if (!r.confusion.empty()) {
    std::fprintf(stdout, "%s\n",
                 eval::format_class_report(eval::class_report(r.confusion.back(), r.num_classes),
                                           "Class-IL per-class report after the last task").c_str());
  }
  if (!r.confusion_task_il.empty()) {
    std::fprintf(stdout, "%s\n",
                 eval::format_class_report(eval::class_report(r.confusion_task_il.back(), r.num_classes),
                                           "Task-IL per-class report after the last task").c_str());
  }
  std::fflush(stdout);
  eval::write_results(run_dir, r);
  spdlog::info("wrote {}/results.json, accuracy_matrix.csv, class_report.csv and results.h5", run_dir);
}

}  // namespace mnemo::train
