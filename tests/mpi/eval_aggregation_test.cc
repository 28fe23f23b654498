// Tests: rank 0's aggregated accuracy counts equal a single-process
//   evaluation of the same model, with uneven test shards.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "data/prepare/class_split.h"
#include "data/prepare/stream_writer.h"
#include "data/prepare/synthetic.h"
#include "eval/eval_counts.h"
#include "mpi_env.h"
#include "train/evaluator.h"

namespace mnemo::train {
namespace {

using testing::world;

// Rank 0 writes a small stream into a fresh directory and shares its path.
std::string shared_stream() {
  std::vector<std::int32_t> path(512, 0);
  if (world().rank() == 0) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mnemo-mpi-XXXXXX").string();
    const std::string dir = std::string(mkdtemp(tmpl.data())) + "/stream";
    data::SyntheticOptions so;
    so.classes = 6;
    so.train_per_class = 4;
    so.test_per_class = 7;  // 14 test samples per task: uneven over 3 or 4 ranks
    so.side = 4;
    const auto src = data::make_synthetic(so);
    const auto order = data::seeded_class_order(6, 2);
    data::StreamLayout layout;
    layout.shards = 2;
    data::write_class_incremental_stream(dir, src, data::split_classes(order, 3, 2), order, 2, layout, false);
    std::copy(dir.begin(), dir.end(), path.begin());
  }
  world().broadcast(path, 0);
  return std::string(path.begin(), std::find(path.begin(), path.end(), 0));
}

TEST(EvalAggregation, RankZeroCountsEqualSingleProcessEvaluation) {
  const std::string dir = shared_stream();
  const data::StreamReader stream(dir);
  torch::manual_seed(5);
  model::ModelOptions mo;
  mo.input_shape = stream.image_shape();
  mo.num_classes = stream.num_classes();
  mo.hidden = {16};
  auto net = model::make_model(mo);

  // This rank's share streamed from the shards (no cache) in batches of 5;
  // the reference holds everything in memory in one batch.
  EvalOptions streamed;
  streamed.batch_size = 5;
  streamed.cache_mb = 0;
  Evaluator mine(stream, world().world_size(), world().rank(), torch::kCPU, streamed);
  eval::EvalCounts counts = mine.evaluate(*net);
  eval::reduce_counts(world(), counts, 0);
  if (world().rank() == 0) {
    Evaluator whole(stream, 1, 0, torch::kCPU, EvalOptions{});
    const eval::EvalCounts want = whole.evaluate(*net);
    EXPECT_EQ(counts.total, want.total);
    EXPECT_EQ(counts.correct_class_il, want.correct_class_il);
    EXPECT_EQ(counts.correct_task_il, want.correct_task_il);
    for (auto t : want.total) EXPECT_EQ(t, 14);
    std::int64_t hits = 0;
    for (auto c : want.correct_task_il) hits += c;
    EXPECT_GT(hits, 0) << "degenerate model: no correct prediction to compare";
  }
  world().barrier();
  if (world().rank() == 0) std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
}

}  // namespace
}  // namespace mnemo::train
