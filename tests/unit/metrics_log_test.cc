// Tests: the metrics log. Its columns match the checked-in schema; a
//   window's row holds the means of its steps (worked by hand); a resume
//   keeps the rows up to the checkpoint's step, drops later and torn rows,
//   and sets aside a log of other columns.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_dir.h"
#include "train/metrics_log.h"

namespace mnemo::train {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(MetricsLog, ColumnsMatchTheCheckedInSchema) {
  std::vector<std::string> want;
  for (const auto& line : lines(read(MNEMO_METRICS_SCHEMA_FILE))) {
    if (!line.empty() && line[0] != '#') want.push_back(line);
  }
  ASSERT_FALSE(want.empty()) << MNEMO_METRICS_SCHEMA_FILE;
  EXPECT_EQ(metrics_columns({"ce_stream", "logit_mse", "ce_replay"}, 2), want);
}

TEST(MetricsLog, IntervalGivesAboutTwoHundredRowsPerTask) {
  EXPECT_EQ(metrics_interval(0, 1200), 6);
  EXPECT_EQ(metrics_interval(0, 50), 1);
  EXPECT_EQ(metrics_interval(7, 1200), 7);
}

TEST(MetricsWindow, RowIsTheMeanOfItsSteps) {
  const auto control = make_local_communicator();
  MetricsWindow w;
  w.restart(1.0, 2.0);
  StepLoss a, b;
  a.total = 1.0;
  a.terms = {1.0, 0, 0, 0};
  a.present = {true, false, false, false};
  b.total = 3.0;
  b.terms = {2.0, 4.0, 0, 0};
  b.present = {true, true, false, false};
  w.add_step(a, 10);
  w.add_step(b, 10);
  const MetricsRow row = w.reduce(*control, 1.0, 2.0, 3);
  EXPECT_DOUBLE_EQ(row.loss, 2.0);
  ASSERT_EQ(row.terms.size(), 3U);
  EXPECT_DOUBLE_EQ(*row.terms[0], 1.5);  // both steps
  EXPECT_DOUBLE_EQ(*row.terms[1], 4.0);  // only the step that had it
  EXPECT_FALSE(row.terms[2].has_value());
  EXPECT_GT(row.samples_per_s, 0.0);
  EXPECT_DOUBLE_EQ(row.comm_share, 0.0);  // no cost since the restart
  EXPECT_TRUE(w.empty());
}

MetricsRow row_at(std::int64_t step) {
  MetricsRow r;
  r.step = step;
  r.loss = 0.5;
  r.terms = {0.25};
  return r;
}

TEST(MetricsLog, ResumeKeepsRowsUpToTheCheckpointStep) {
  testing::TempDir dir;
  const std::string path = dir.file("metrics.csv");
  const auto columns = metrics_columns({"ce"}, 2);
  {
    MetricsLog log(path, columns, 0);
    for (int s = 1; s <= 5; ++s) log.write(row_at(s));
  }
  {
    std::ofstream torn(path, std::ios::app);
    torn << "6,0,0,17";  // killed mid-row
  }
  {
    MetricsLog log(path, columns, 3);
    log.write(row_at(4));
  }
  auto got = lines(read(path));
  ASSERT_EQ(got.size(), 5U);
  std::vector<std::string> steps;
  for (std::size_t i = 1; i < got.size(); ++i) steps.push_back(got[i].substr(0, got[i].find(',')));
  EXPECT_EQ(steps, (std::vector<std::string>{"1", "2", "3", "4"}));
  EXPECT_EQ(std::count(got[1].begin(), got[1].end(), ','), static_cast<long>(columns.size() - 1));

  // Another strategy's columns: the old log is set aside, not mixed in.
  { MetricsLog log(path, metrics_columns({"ce", "distillation"}, 2), 3); }
  EXPECT_EQ(lines(read(path)).size(), 1U);
  EXPECT_EQ(lines(read(path + ".prev")).size(), 5U);

  // A fresh start (step 0) truncates.
  { MetricsLog log(dir.file("metrics.csv"), columns, 0); }
  EXPECT_EQ(lines(read(path)).size(), 1U);
}

}  // namespace
}  // namespace mnemo::train
