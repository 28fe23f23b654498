// Implements: the per-class classification report, computed exactly from
//   aggregated confusion counts: precision, recall, F1 and support per
//   class, their macro and weighted (by support) averages, and accuracy.
//   The conventions are scikit-learn's classification_report with
//   zero_division=0: the report lists the classes that occur as a true or
//   a predicted label, and 0/0 counts as 0.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mnemo::eval {

struct ClassScores {
  double precision = 0, recall = 0, f1 = 0;
  std::int64_t support = 0;
};

struct ClassReport {
  std::vector<std::int64_t> classes;  ///< ascending
  std::vector<ClassScores> per_class;  ///< one per entry of classes
  ClassScores macro, weighted;         ///< support: every sample
  double accuracy = 0;
};

/// From a row-major [true][predicted] confusion matrix of num_classes².
ClassReport class_report(const std::vector<std::int64_t>& confusion, std::int64_t num_classes);

/// {classes, precision, recall, f1, support, macro_avg, weighted_avg, accuracy}.
nlohmann::json class_report_json(const ClassReport& report);

/// scikit-learn's text layout: a row per class, then accuracy, macro avg and weighted avg.
std::string format_class_report(const ClassReport& report, const std::string& title);

/// CSV rows "MODE,AFTER_TASK,CLASS,precision,recall,f1,support" (CLASS is a
/// class id, "accuracy", "macro avg" or "weighted avg"); no header.
std::string class_report_csv_rows(const ClassReport& report, const std::string& mode, std::size_t after_task);
inline constexpr const char* kClassReportCsvHeader = "mode,after_task,class,precision,recall,f1,support\n";

}  // namespace mnemo::eval
