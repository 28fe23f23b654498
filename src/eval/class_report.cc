// Implements: the classification report (see class_report.h).
#include "eval/class_report.h"

#include <cstdio>
#include <sstream>

namespace mnemo::eval {
namespace {

double ratio(std::int64_t a, std::int64_t b) { return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0; }

nlohmann::json scores_json(const ClassScores& s) {
  return {{"precision", s.precision}, {"recall", s.recall}, {"f1", s.f1}, {"support", s.support}};
}

std::string csv_row(const std::string& mode, std::size_t after, const std::string& label, const ClassScores& s) {
  char buf[160];
  std::snprintf(buf, sizeof(buf), "%s,%zu,%s,%.17g,%.17g,%.17g,%lld\n", mode.c_str(), after, label.c_str(),
                s.precision, s.recall, s.f1, static_cast<long long>(s.support));
  return buf;
}

}  // namespace

ClassReport class_report(const std::vector<std::int64_t>& confusion, std::int64_t num_classes) {
  const auto c = static_cast<std::size_t>(num_classes);
  std::vector<std::int64_t> support(c, 0), predicted(c, 0);
  std::int64_t total = 0, correct = 0;
  for (std::size_t t = 0; t < c; ++t) {
    for (std::size_t p = 0; p < c; ++p) {
      const std::int64_t n = confusion[t * c + p];
      support[t] += n;
      predicted[p] += n;
      total += n;
      if (t == p) correct += n;
    }
  }
  ClassReport r;
  r.accuracy = ratio(correct, total);
  for (std::size_t k = 0; k < c; ++k) {
    if (support[k] == 0 && predicted[k] == 0) continue;
    ClassScores s;
    const std::int64_t tp = confusion[k * c + k];
    s.precision = ratio(tp, predicted[k]);
    s.recall = ratio(tp, support[k]);
    s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0.0;
    s.support = support[k];
    r.classes.push_back(static_cast<std::int64_t>(k));
    r.per_class.push_back(s);
  }
  const double n = static_cast<double>(r.per_class.size());
  for (const auto& s : r.per_class) {
    r.macro.precision += s.precision / n;
    r.macro.recall += s.recall / n;
    r.macro.f1 += s.f1 / n;
    const double w = ratio(s.support, total);
    r.weighted.precision += w * s.precision;
    r.weighted.recall += w * s.recall;
    r.weighted.f1 += w * s.f1;
  }
  r.macro.support = r.weighted.support = total;
  return r;
}

nlohmann::json class_report_json(const ClassReport& r) {
  std::vector<double> precision, recall, f1;
  std::vector<std::int64_t> support;
  for (const auto& s : r.per_class) {
    precision.push_back(s.precision);
    recall.push_back(s.recall);
    f1.push_back(s.f1);
    support.push_back(s.support);
  }
  return {{"classes", r.classes},     {"precision", precision},
          {"recall", recall},         {"f1", f1},
          {"support", support},       {"macro_avg", scores_json(r.macro)},
          {"weighted_avg", scores_json(r.weighted)}, {"accuracy", r.accuracy}};
}

std::string format_class_report(const ClassReport& r, const std::string& title) {
  std::ostringstream os;
  char buf[160];
  os << title << "\n";
  std::snprintf(buf, sizeof(buf), "%14s %10s %10s %10s %10s\n\n", "", "precision", "recall", "f1-score", "support");
  os << buf;
  for (std::size_t i = 0; i < r.classes.size(); ++i) {
    const auto& s = r.per_class[i];
    std::snprintf(buf, sizeof(buf), "%14lld %10.2f %10.2f %10.2f %10lld\n", static_cast<long long>(r.classes[i]),
                  s.precision, s.recall, s.f1, static_cast<long long>(s.support));
    os << buf;
  }
  std::snprintf(buf, sizeof(buf), "\n%14s %10s %10s %10.2f %10lld\n", "accuracy", "", "", r.accuracy,
                static_cast<long long>(r.macro.support));
  os << buf;
  for (const auto& [name, s] : {std::pair<const char*, const ClassScores&>{"macro avg", r.macro},
                                std::pair<const char*, const ClassScores&>{"weighted avg", r.weighted}}) {
    std::snprintf(buf, sizeof(buf), "%14s %10.2f %10.2f %10.2f %10lld\n", name, s.precision, s.recall, s.f1,
                  static_cast<long long>(s.support));
    os << buf;
  }
  return os.str();
}

std::string class_report_csv_rows(const ClassReport& r, const std::string& mode, std::size_t after_task) {
  std::string out;
  for (std::size_t i = 0; i < r.classes.size(); ++i) {
    out += csv_row(mode, after_task, std::to_string(r.classes[i]), r.per_class[i]);
  }
  ClassScores acc;
  acc.precision = acc.recall = acc.f1 = r.accuracy;
  acc.support = r.macro.support;
  out += csv_row(mode, after_task, "accuracy", acc);
  out += csv_row(mode, after_task, "macro avg", r.macro);
  out += csv_row(mode, after_task, "weighted avg", r.weighted);
  return out;
}

}  // namespace mnemo::eval
