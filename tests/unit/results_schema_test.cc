// Tests: results.json keeps the documented schema. The key paths of a
//   2-task result are compared with a checked-in list: changing the
//   schema must come with a new schema_version and an updated list.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>

#include "data/io/h5.h"
#include "eval/results_h5.h"
#include "eval/results_writer.h"
#include "test_dir.h"

namespace mnemo::eval {
namespace {

void key_paths(const nlohmann::json& j, const std::string& prefix, std::set<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      out.insert(prefix + k);
      key_paths(v, prefix + k + ".", out);
    }
  } else if (j.is_array() && !j.empty() && j[0].is_object()) {
    key_paths(j[0], prefix + "[].", out);
  }
}

TaskTiming timing(std::int64_t task) {
  TaskTiming t;
  t.classes = {task};
  t.train_samples = 10;
  t.seconds = 1.0;
  t.eval_seconds = 0.1;
  t.comm_seconds = 0.2;
  t.peak_rss_bytes = 1 << 20;
  t.input_bytes = {7920, 7920};
  return t;
}

TEST(ResultsSchema, KeyPathsMatchTheCheckedInSchema) {
  RunResults r;
  r.config = {{"strategy", "er"}};
  r.stream = {{"dataset", "synthetic"}};
  r.num_classes = 2;
  r.tasks = {timing(0), timing(1)};
  r.baseline_class_il = r.baseline_task_il = {0.5, 0.5};
  r.class_il = r.task_il = {{1.0, 0.0}, {0.5, 1.0}};
  r.confusion = r.confusion_task_il = {{1, 0, 0, 1}, {1, 0, 0, 1}};
  r.complete = true;
  r.machine = {{"blas_library", "OpenBLAS"}, {"blas_kernels", "SkylakeX"}, {"blas_detected", "Prescott"},
               {"blas_reason", "switched"}};
  r.anytime = {AnytimePoint{0, 5, {0.5, 0.0}, {0.5, 0.5}}};
  std::set<std::string> got;
  key_paths(results_json(r), "", got);
  got.erase("config.strategy");
  got.erase("stream.dataset");
  std::ifstream in(MNEMO_RESULTS_SCHEMA_FILE);
  ASSERT_TRUE(in) << MNEMO_RESULTS_SCHEMA_FILE;
  std::set<std::string> want;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') want.insert(line);
  }
  EXPECT_EQ(got, want);
  EXPECT_EQ(results_json(r)["schema_version"], 5) << "bump the list with the version";
}

// A 20-task, 100-class run's JSON is far beyond HDF5's 64 KiB cap on a
// compact attribute; results.h5 still carries it whole (it once failed to
// write at the end of the DER paper's 20 permuted tasks).
TEST(ResultsH5, LongStreamsJsonReadsBackWhole) {
  RunResults r;
  const std::int64_t tasks = 20, classes = 100;
  r.num_classes = classes;
  for (std::int64_t t = 0; t < tasks; ++t) {
    r.tasks.push_back(timing(t));
    r.class_il.push_back(std::vector<double>(tasks, 0.123456789 * static_cast<double>(t)));
    r.confusion.push_back(std::vector<std::int64_t>(classes * classes, t));
  }
  r.task_il = r.class_il;
  r.confusion_task_il = r.confusion;
  r.baseline_class_il = r.baseline_task_il = std::vector<double>(tasks, 0.1);
  const std::string want = results_json(r).dump();
  ASSERT_GT(want.size(), std::size_t{1} << 16);
  testing::TempDir dir;
  const std::string path = dir.file("results.h5");
  write_results_h5(path, r);
  auto file = io::h5::File::open(path);
  EXPECT_EQ(io::h5::read_attr_string({file, file.id(), "/"}, "results_json"), want);
}

}  // namespace
}  // namespace mnemo::eval
