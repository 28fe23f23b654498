// Implements: results.json / accuracy_matrix.csv and the console tables.
#include "eval/results_writer.h"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "core/atomic_file.h"
#include "eval/class_report.h"
#include "eval/results_h5.h"

namespace mnemo::eval {

nlohmann::json metrics_json(const Metrics& m) {
  return {{"acc", m.acc},
          {"bwt", m.bwt},
          {"fwt", m.fwt},
          {"forgetting", m.forgetting},
          {"avg_incremental_acc", m.avg_incremental_acc},
          {"learning_acc", m.learning_acc}};
}

namespace {

nlohmann::json matrices_json(const std::vector<std::vector<std::int64_t>>& flats, std::int64_t num_classes) {
  nlohmann::json out = nlohmann::json::array();
  const auto c = static_cast<std::size_t>(num_classes);
  for (const auto& flat : flats) {
    nlohmann::json m = nlohmann::json::array();
    for (std::size_t i = 0; i < c; ++i) {
      m.push_back(std::vector<std::int64_t>(flat.begin() + static_cast<std::ptrdiff_t>(i * c),
                                            flat.begin() + static_cast<std::ptrdiff_t>((i + 1) * c)));
    }
    out.push_back(m);
  }
  return out;
}

std::vector<std::vector<std::int64_t>> matrices_from_json(const nlohmann::json& j) {
  std::vector<std::vector<std::int64_t>> out;
  for (const auto& m : j) {
    std::vector<std::int64_t> flat;
    for (const auto& row : m) {
      const auto v = row.get<std::vector<std::int64_t>>();
      flat.insert(flat.end(), v.begin(), v.end());
    }
    out.push_back(flat);
  }
  return out;
}

nlohmann::json reports_json(const std::vector<std::vector<std::int64_t>>& flats, std::int64_t num_classes) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& flat : flats) out.push_back(class_report_json(class_report(flat, num_classes)));
  return out;
}

}  // namespace

nlohmann::json results_json(const RunResults& r) {
  nlohmann::json tasks = nlohmann::json::array();
  for (const auto& t : r.tasks) {
    tasks.push_back({{"classes", t.classes},
                     {"train_samples", t.train_samples},
                     {"seconds", t.seconds},
                     {"samples_per_second", t.seconds > 0 ? t.train_samples / t.seconds : 0.0},
                     {"eval_seconds", t.eval_seconds},
                     {"comm_seconds", t.comm_seconds},
                     {"comm_share", t.seconds > 0 ? t.comm_seconds / t.seconds : 0.0},
                     {"input_wait_seconds", t.input_wait_seconds},
                     {"input_share", t.seconds > 0 ? t.input_wait_seconds / t.seconds : 0.0},
                     {"peak_rss_bytes", t.peak_rss_bytes},
                     {"parameters", t.parameters},
                     {"trainable_parameters", t.trainable_parameters},
                     {"gradient_bytes_per_step", t.gradient_bytes_per_step},
                     {"input_bytes", t.input_bytes}});
  }
  const bool any = !r.class_il.empty();
  nlohmann::json anytime = nlohmann::json::array();
  for (const auto& a : r.anytime) {
    anytime.push_back({{"task", a.task}, {"step", a.step}, {"class_il", a.class_il}, {"task_il", a.task_il}});
  }
  return {{"schema", "mnemo.results"},
          {"schema_version", kResultsSchemaVersion},
          {"complete", r.complete},
          {"model_fingerprint", r.model_fingerprint},
          {"config", r.config},
          {"stream", r.stream},
          {"machine", r.machine},
          {"num_classes", r.num_classes},
          {"tasks", tasks},
          {"baseline", {{"class_il", r.baseline_class_il}, {"task_il", r.baseline_task_il}}},
          {"accuracy", {{"class_il", r.class_il}, {"task_il", r.task_il}}},
          {"confusion", matrices_json(r.confusion, r.num_classes)},
          {"confusion_task_il", matrices_json(r.confusion_task_il, r.num_classes)},
          {"class_report",
           {{"class_il", reports_json(r.confusion, r.num_classes)},
            {"task_il", reports_json(r.confusion_task_il, r.num_classes)}}},
          {"anytime", anytime},
          {"metrics",
           {{"class_il", any ? metrics_json(compute_metrics(r.class_il, r.baseline_class_il)) : nlohmann::json()},
            {"task_il", any ? metrics_json(compute_metrics(r.task_il, r.baseline_task_il)) : nlohmann::json()}}}};
}

RunResults results_from_json(const nlohmann::json& j) {
  RunResults r;
  r.config = j.at("config");
  r.stream = j.at("stream");
  r.machine = j.value("machine", nlohmann::json::object());
  r.num_classes = j.at("num_classes").get<std::int64_t>();
  for (const auto& t : j.at("tasks")) {
    TaskTiming tt;
    tt.classes = t.at("classes").get<std::vector<std::int64_t>>();
    tt.train_samples = t.at("train_samples").get<std::int64_t>();
    tt.seconds = t.at("seconds").get<double>();
    tt.eval_seconds = t.at("eval_seconds").get<double>();
    tt.comm_seconds = t.at("comm_seconds").get<double>();
    tt.input_wait_seconds = t.value("input_wait_seconds", 0.0);
    tt.peak_rss_bytes = t.at("peak_rss_bytes").get<std::int64_t>();
    tt.parameters = t.value("parameters", std::int64_t{0});  // version 4
    tt.trainable_parameters = t.value("trainable_parameters", std::int64_t{0});
    tt.gradient_bytes_per_step = t.value("gradient_bytes_per_step", std::int64_t{0});
    tt.input_bytes = t.value("input_bytes", std::vector<std::int64_t>{});  // version 5
    r.tasks.push_back(tt);
  }
  r.baseline_class_il = j.at("baseline").at("class_il").get<std::vector<double>>();
  r.baseline_task_il = j.at("baseline").at("task_il").get<std::vector<double>>();
  r.class_il = j.at("accuracy").at("class_il").get<Matrix>();
  r.task_il = j.at("accuracy").at("task_il").get<Matrix>();
  r.confusion = matrices_from_json(j.at("confusion"));
  if (j.contains("confusion_task_il")) r.confusion_task_il = matrices_from_json(j.at("confusion_task_il"));
  for (const auto& a : j.at("anytime")) {
    r.anytime.push_back({a.at("task").get<std::int64_t>(), a.at("step").get<std::int64_t>(),
                         a.at("class_il").get<std::vector<double>>(), a.at("task_il").get<std::vector<double>>()});
  }
  r.complete = j.at("complete").get<bool>();
  r.model_fingerprint = j.at("model_fingerprint").get<std::string>();
  return r;
}

std::string matrix_csv(const Matrix& m) {
  std::ostringstream os;
  os << "after_task";
  for (std::size_t j = 0; j < m.size(); ++j) os << ",task_" << j;
  os << "\n";
  for (std::size_t i = 0; i < m.size(); ++i) {
    os << i;
    for (double v : m[i]) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), ",%.6f", v);
      os << buf;
    }
    os << "\n";
  }
  return os.str();
}

std::string class_report_csv(const RunResults& r) {
  std::string out = kClassReportCsvHeader;
  for (std::size_t i = 0; i < r.confusion.size(); ++i) {
    out += class_report_csv_rows(class_report(r.confusion[i], r.num_classes), "class_il", i);
  }
  for (std::size_t i = 0; i < r.confusion_task_il.size(); ++i) {
    out += class_report_csv_rows(class_report(r.confusion_task_il[i], r.num_classes), "task_il", i);
  }
  return out;
}

void write_results(const std::string& run_dir, const RunResults& r) {
  const std::filesystem::path dir(run_dir);
  write_file_atomically((dir / "results.json").string(), results_json(r).dump(2) + "\n");
  write_file_atomically((dir / "accuracy_matrix.csv").string(), matrix_csv(r.class_il));
  write_file_atomically((dir / "class_report.csv").string(), class_report_csv(r));
  write_results_h5((dir / "results.h5").string(), r);
}

std::string format_matrix(const Matrix& m, const std::string& title) {
  std::ostringstream os;
  os << title << " (accuracy %, row i = after training task i)\n";
  os << "            ";
  for (std::size_t j = 0; j < m.size(); ++j) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "  task %-2zu", j);
    os << buf;
  }
  os << "\n";
  for (std::size_t i = 0; i < m.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "after %-4zu ", i);
    os << buf << ' ';
    for (double v : m[i]) {
      std::snprintf(buf, sizeof(buf), " %7.2f ", 100.0 * v);
      os << buf;
    }
    os << "\n";
  }
  return os.str();
}

std::string format_metrics(const Metrics& m, const std::string& title) {
  char buf[256];
  std::snprintf(buf, sizeof(buf), "%s: ACC %.2f  BWT %+.2f  FWT %+.2f  forgetting %.2f  (percent)", title.c_str(),
                100 * m.acc, 100 * m.bwt, 100 * m.fwt, 100 * m.forgetting);
  return buf;
}

}  // namespace mnemo::eval
