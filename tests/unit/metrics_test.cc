// Tests: every metric against values computed by hand.
#include <gtest/gtest.h>

#include "eval/eval_counts.h"
#include "eval/metrics.h"
#include "eval/results_writer.h"

namespace mnemo::eval {
namespace {

// R[i][j]: row = after task i.
const Matrix kR = {{0.90, 0.10, 0.05},
                   {0.60, 0.80, 0.20},
                   {0.50, 0.70, 0.95}};
const std::vector<double> kB = {0.10, 0.15, 0.05};

TEST(Metrics, HandComputedThreeTasks) {
  const Metrics m = compute_metrics(kR, kB);
  // ACC = (0.50 + 0.70 + 0.95) / 3
  EXPECT_NEAR(m.acc, 2.15 / 3, 1e-12);
  // BWT = ((0.50-0.90) + (0.70-0.80)) / 2 = -0.25
  EXPECT_NEAR(m.bwt, -0.25, 1e-12);
  // FWT = ((R[0][1]-b1) + (R[1][2]-b2)) / 2 = ((0.10-0.15) + (0.20-0.05)) / 2 = 0.05
  EXPECT_NEAR(m.fwt, 0.05, 1e-12);
  // Forgetting: task0 max(0.90,0.60)-0.50 = 0.40; task1 max(0.10,0.80)-0.70 = 0.10 -> 0.25
  EXPECT_NEAR(m.forgetting, 0.25, 1e-12);
  // Avg incremental: (0.90 + (0.60+0.80)/2 + 2.15/3) / 3
  EXPECT_NEAR(m.avg_incremental_acc, (0.90 + 0.70 + 2.15 / 3) / 3, 1e-12);
  // Learning accuracy: (0.90 + 0.80 + 0.95) / 3
  EXPECT_NEAR(m.learning_acc, 2.65 / 3, 1e-12);
}

TEST(Metrics, ForgettingDiffersFromBwtWhenAccuracyPeaksLate) {
  // Task 0 improves after task 1, then drops: forgetting uses the best earlier value.
  const Matrix r = {{0.5, 0.0, 0.0}, {0.9, 0.8, 0.0}, {0.6, 0.8, 0.7}};
  const Metrics m = compute_metrics(r, {});
  EXPECT_NEAR(m.bwt, ((0.6 - 0.5) + (0.8 - 0.8)) / 2, 1e-12);
  EXPECT_NEAR(m.forgetting, ((0.9 - 0.6) + 0.0) / 2, 1e-12);
  EXPECT_EQ(m.fwt, 0.0);
}

TEST(Metrics, SingleTask) {
  const Metrics m = compute_metrics({{0.75}}, {0.1});
  EXPECT_DOUBLE_EQ(m.acc, 0.75);
  EXPECT_DOUBLE_EQ(m.bwt, 0.0);
  EXPECT_DOUBLE_EQ(m.forgetting, 0.0);
  EXPECT_DOUBLE_EQ(m.fwt, 0.0);
}

TEST(Metrics, AccuraciesFromCounts) {
  EXPECT_EQ(accuracies({3, 0, 5}, {4, 0, 10}), (std::vector<double>{0.75, 0.0, 0.5}));
}

TEST(Results, CsvHasOneRowPerTask) {
  const std::string csv = matrix_csv({{1.0, 0.0}, {0.25, 0.5}});
  EXPECT_EQ(csv, "after_task,task_0,task_1\n0,1.000000,0.000000\n1,0.250000,0.500000\n");
}

TEST(Results, JsonCarriesSchemaMatricesAndMetrics) {
  RunResults r;
  r.class_il = kR;
  r.task_il = kR;
  r.baseline_class_il = kB;
  r.baseline_task_il = kB;
  const auto j = results_json(r);
  EXPECT_EQ(j["schema"], "mnemo.results");
  EXPECT_EQ(j["schema_version"], kResultsSchemaVersion);
  EXPECT_NEAR(j["metrics"]["class_il"]["acc"].get<double>(), 2.15 / 3, 1e-12);
  EXPECT_EQ(j["accuracy"]["class_il"][2][2].get<double>(), 0.95);
}

}  // namespace
}  // namespace mnemo::eval

namespace mnemo::eval {
namespace {

TEST(Metrics, StoppedRunCountsOnlyTrainedTasks) {
  // 2 of 3 tasks trained: rows after task 0 and 1; task 2 never trained.
  const Matrix r = {{0.9, 0.1, 0.0}, {0.6, 0.8, 0.2}};
  const Metrics m = compute_metrics(r, {0.1, 0.15, 0.05});
  EXPECT_NEAR(m.acc, (0.6 + 0.8) / 2, 1e-12);
  EXPECT_NEAR(m.bwt, 0.6 - 0.9, 1e-12);
  EXPECT_NEAR(m.forgetting, 0.9 - 0.6, 1e-12);
  EXPECT_NEAR(m.fwt, 0.1 - 0.15, 1e-12);
}

TEST(Metrics, IntransigenceAgainstAJointRun) {
  // a* = (0.95, 0.90, 0.97); diagonal (0.90, 0.80, 0.95) -> (0.05 + 0.10 + 0.02) / 3
  EXPECT_NEAR(intransigence(kR, {0.95, 0.90, 0.97}), 0.17 / 3, 1e-12);
}

}  // namespace
}  // namespace mnemo::eval
