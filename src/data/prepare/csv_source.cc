// Implements: the CSV source (see csv_source.h).
#include "data/prepare/csv_source.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

#include "core/error.h"
#include "core/rng.h"
#include "data/io/checksum.h"
#include "data/io/csv_table.h"

namespace mnemo::data {

namespace {

struct Columns {
  std::size_t label;
  std::vector<std::size_t> features;
  std::vector<std::string> feature_names;
  long time = -1, task = -1;
};

Columns columns_of(const io::CsvTable& t, const std::string& path, const CsvOptions& o) {
  Columns c;
  c.label = t.column(o.label, path);
  if (!o.time.empty()) c.time = static_cast<long>(t.column(o.time, path));
  if (!o.task.empty()) c.task = static_cast<long>(t.column(o.task, path));
  for (std::size_t j = 0; j < t.columns.size(); ++j) {
    if (j == c.label || static_cast<long>(j) == c.time || static_cast<long>(j) == c.task) continue;
    c.features.push_back(j);
    c.feature_names.push_back(t.columns[j]);
  }
  if (c.features.empty()) {
    throw InputError(with_hint(path + " has no feature columns besides the label, time and task columns",
                               "a CSV source needs at least one numeric feature column"));
  }
  return c;
}

// A whole-number cell of column `col` in row `r`; InputError naming them otherwise.
std::int64_t integer_cell(const io::CsvTable& t, std::int64_t r, std::size_t col, const std::string& path,
                          std::int64_t max, const char* hint) {
  const double v = t.at(r, col);
  if (v != std::floor(v) || v < 0 || v >= static_cast<double>(max)) {
    throw InputError(with_hint(path + " data row " + std::to_string(r + 1) + ", column '" + t.columns[col] +
                                   "': " + std::to_string(v) + " is not an integer in [0, " + std::to_string(max) + ")",
                               hint));
  }
  return static_cast<std::int64_t>(v);
}

LabeledImages rows_of(const io::CsvTable& t, const Columns& c, const std::string& path) {
  LabeledImages out;
  out.type = SampleType::kFloat32;
  out.image_shape = {static_cast<std::int64_t>(c.features.size())};
  const auto d = static_cast<std::int64_t>(c.features.size());
  out.images.resize(static_cast<std::size_t>(t.rows * d) * sizeof(float));
  auto* f = reinterpret_cast<float*>(out.images.data());
  for (std::int64_t r = 0; r < t.rows; ++r) {
    for (std::int64_t k = 0; k < d; ++k) {
      const std::size_t col = c.features[static_cast<std::size_t>(k)];
      f[r * d + k] = static_cast<float>(t.at(r, col));
      if (!std::isfinite(f[r * d + k])) {
        throw InputError(with_hint(path + " data row " + std::to_string(r + 1) + ", column '" + t.columns[col] +
                                       "': " + std::to_string(t.at(r, col)) + " is beyond float32's range",
                                   "rescale the column (features are stored as float32)"));
      }
    }
    out.labels.push_back(integer_cell(t, r, c.label, path, kMaxClasses,
                                      "labels must be class indices 0, 1, ...; map class names to integers first"));
    if (c.time >= 0) out.time.push_back(t.at(r, static_cast<std::size_t>(c.time)));
    if (c.task >= 0) {
      out.task.push_back(integer_cell(t, r, static_cast<std::size_t>(c.task), path, std::int64_t{1} << 31,
                                      "task ids must be integers >= 0"));
    }
  }
  return out;
}

nlohmann::json file_entry(const std::string& path) {
  return {{"path", std::filesystem::absolute(path).string()}, {"sha256", io::sha256_file(path)}};
}

}  // namespace

void CsvOptions::declare(OptionTable& t) {
  t.add("csv-label", label, "csv source: the label column (integer class ids from 0)");
  t.add("csv-time", time, "csv source: a time column (orders the time-ordered scenario; not a feature)");
  t.add("csv-task", task, "csv source: a task column (the time-ordered scenario's tasks; not a feature)");
  t.add("test-input", test_input, "csv source: the test rows' file (same columns); default: hold out --test-fraction");
  t.add("test-fraction", test_fraction, "csv source without --test-input: seeded fraction of rows held out as test")
      .check([this] { return test_fraction > 0 && test_fraction < 1 ? "" : "must be in (0, 1)"; });
}

SourceDataset load_csv_dataset(const std::string& path, const std::string& name, const CsvOptions& o,
                               std::uint64_t seed) {
  const io::CsvTable table = io::read_numeric_csv(path);
  const Columns cols = columns_of(table, path, o);
  SourceDataset ds;
  ds.name = name;
  ds.provenance = {{"source", "csv"}, {"label", o.label}, {"features", cols.feature_names}};
  if (!o.time.empty()) ds.provenance["time"] = o.time;
  if (!o.task.empty()) ds.provenance["task"] = o.task;
  if (!o.test_input.empty()) {
    const io::CsvTable test_table = io::read_numeric_csv(o.test_input);
    const Columns test_cols = columns_of(test_table, o.test_input, o);
    if (test_cols.feature_names != cols.feature_names) {
      throw InputError(with_hint(o.test_input + " has " + std::to_string(test_cols.feature_names.size()) +
                                     " feature columns, " + path + " has " + std::to_string(cols.feature_names.size()) +
                                     " (they must be the same columns, in the same order)",
                                 "write both files with the same header"));
    }
    ds.train = rows_of(table, cols, path);
    ds.test = rows_of(test_table, test_cols, o.test_input);
    ds.provenance["files"] = {file_entry(path), file_entry(o.test_input)};
  } else {
    const LabeledImages all = rows_of(table, cols, path);
    std::vector<std::int64_t> order(static_cast<std::size_t>(all.count()));
    std::iota(order.begin(), order.end(), 0);
    Rng::derive(seed, /*purpose=*/0x7e57).shuffle(order);
    const auto n_test = static_cast<std::size_t>(std::llround(o.test_fraction * static_cast<double>(order.size())));
    if (n_test < 1 || n_test >= order.size()) {
      throw UsageError(with_hint("--test-fraction " + std::to_string(o.test_fraction) + " of " + path + "'s " +
                                     std::to_string(order.size()) + " rows leaves no train or no test rows",
                                 "choose another --test-fraction, or give --test-input"));
    }
    std::vector<std::int64_t> test(order.begin(), order.begin() + static_cast<long>(n_test));
    std::vector<std::int64_t> train(order.begin() + static_cast<long>(n_test), order.end());
    std::sort(test.begin(), test.end());  // keep the source's (time) order within each split
    std::sort(train.begin(), train.end());
    ds.train = take_rows(all, train);
    ds.test = take_rows(all, test);
    ds.provenance["files"] = {file_entry(path)};
    ds.provenance["test_fraction"] = o.test_fraction;
  }
  std::int64_t max_label = 0;
  for (auto l : ds.train.labels) max_label = std::max(max_label, l);
  for (auto l : ds.test.labels) max_label = std::max(max_label, l);
  ds.num_classes = max_label + 1;
  return ds;
}

}  // namespace mnemo::data
