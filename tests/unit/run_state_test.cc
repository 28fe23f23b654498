// Tests: the trainer's moved pieces. TrainOptions: the persisted names are
//   exactly the legacy ones and survive a JSON round trip; the resume check
//   lists result-affecting differences only; checkpoint meta of another
//   format or version is refused. TaskInput: plans from the strategy's
//   training tasks, and a read-ahead loader yields the batches of a fresh one.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/prepare/class_split.h"
#include "data/prepare/stream_writer.h"
#include "data/prepare/synthetic.h"
#include "strategies/baselines.h"
#include "strategies/dark_experience_replay.h"
#include "test_dir.h"
#include "train/run_state.h"
#include "train/task_input.h"
#include "train/train_options.h"

namespace mnemo::train {
namespace {

// The JSON names of `mnemo train`'s options as every earlier mnemo wrote
// them into config.json, checkpoints and results.json, and those added since
// (kAddedKeys: new names only, never a rename).
const std::set<std::string> kLegacyKeys = {
    "stream", "run_dir", "overwrite", "strategy", "model", "hidden", "kernels", "head", "epochs", "online",
    "eval_every", "batch_size", "shuffle_window", "optimizer", "lr", "momentum", "weight_decay", "lr_schedule",
    "lr_milestones", "lr_gamma", "replay_capacity", "replay_batch", "replay_policy", "der_alpha", "der_beta",
    "ewc_lambda", "ewc_gamma", "si_c", "si_xi", "lwf_alpha", "lwf_temperature", "gdumb_epochs", "eval_batch",
    "eval_split", "eval_cache_mb", "seed", "backend", "bucket_mb", "overlap", "wire_dtype", "deterministic",
    "comm_timeout", "debug_collectives", "checkpoint_every", "checkpoint_minutes", "checkpoint_keep", "resume",
    "force", "threads", "log_every"};
const std::set<std::string> kAddedKeys = {"init",     "init_skip",     "export_model",   "progress",
                                            "metrics_every", "augment", "augment_padding", "weight_init",
                                            "growing_head", "packnet_prune", "packnet_retrain"};

TEST(TrainOptions, PersistedNamesAreTheLegacyOnes) {
  std::set<std::string> keys;
  const nlohmann::json j = to_json(TrainOptions{});
  for (const auto& [key, _] : j.items()) keys.insert(key);
  std::set<std::string> expected = kLegacyKeys;
  expected.insert(kAddedKeys.begin(), kAddedKeys.end());
  EXPECT_EQ(keys, expected);
}

TEST(TrainOptions, JsonRoundTripKeepsEveryModulesValues) {
  TrainOptions a;
  a.run.batch_size = 32;
  a.strategy.name = "derpp";
  a.strategy.replay_policy = replay::Policy::kRing;
  a.strategy.params<strategies::DerOptions>().beta = 0.75;
  a.model.head = model::Head::kPerTask;
  a.optimizer.schedule = LrSchedule::kCosine;
  a.eval.split = data::Split::kVal;
  a.comm.backend = BackendKind::kMpi;
  a.reducer.wire = DType::kBFloat16;
  a.checkpoint.keep = 5;
  const nlohmann::json j = to_json(a);
  EXPECT_EQ(j.at("replay_policy"), "ring");
  EXPECT_EQ(j.at("wire_dtype"), "bf16");
  TrainOptions b;
  OptionTable t;
  b.declare(t);
  t.from_json(j);
  EXPECT_EQ(to_json(b), j);
  EXPECT_EQ(b.strategy.params<strategies::DerOptions>().beta, 0.75);
  // Copies are deep: a strategy's own options are not shared.
  TrainOptions c = b;
  c.strategy.params<strategies::DerOptions>().beta = 0.1;
  EXPECT_EQ(b.strategy.params<strategies::DerOptions>().beta, 0.75);
}

TEST(TrainOptions, ValidateNamesTheOptionAndCrossChecksOnlineEpochs) {
  TrainOptions o;
  EXPECT_NO_THROW(o.validate());
  o.optimizer.lr = std::numeric_limits<double>::infinity();
  EXPECT_THROW(o.validate(), UsageError);
  o.optimizer.lr = 0.1;
  o.run.online = true;
  o.run.epochs = 2;
  try {
    o.validate();
    FAIL() << "--online with 2 epochs was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--online"), std::string::npos);
  }
}

TEST(ResumeCheck, ListsOnlyResultAffectingDifferences) {
  TrainOptions saved;
  TrainOptions now = saved;
  now.run.threads = 3;             // result-neutral
  now.checkpoint.keep = 9;         // result-neutral
  now.reducer.bucket_mb = 1;       // result-neutral
  EXPECT_TRUE(result_affecting_differences(to_json(saved), now).empty());
  now.optimizer.lr = 0.05;
  now.strategy.params<strategies::DerOptions>().alpha = 0.9;
  const auto d = result_affecting_differences(to_json(saved), now);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_NE(d[0].find("der_alpha (checkpoint 0.3, now 0.9)"), std::string::npos) << d[0];
  EXPECT_NE(d[1].find("lr (checkpoint 0.1, now 0.05)"), std::string::npos) << d[1];
}

void write_meta(const std::string& dir, const nlohmann::json& meta) {
  std::filesystem::create_directories(dir);
  write_file_atomically(dir + "/meta.json", meta.dump());
  write_file_atomically(dir + "/DONE", "complete\n");
}

TEST(ResumeCheck, RefusesOtherFormatsAndVersionsAndDifferentOptionsUnlessForced) {
  testing::TempDir tmp;
  TrainOptions o;
  nlohmann::json meta = {{"format", "mnemo.checkpoint"}, {"format_version", 1}, {"config", to_json(o)},
                         {"position", nlohmann::json::object()}, {"results", nlohmann::json::object()}};
  write_meta(tmp.file("ok"), meta);  // version 1 (a flat parameter tensor) still reads
  EXPECT_NO_THROW(read_checkpoint_meta(tmp.file("ok"), o, nullptr));
  meta["format_version"] = 2;
  write_meta(tmp.file("v2"), meta);
  EXPECT_NO_THROW(read_checkpoint_meta(tmp.file("v2"), o, nullptr));
  meta["format_version"] = 3;
  write_meta(tmp.file("v3"), meta);
  EXPECT_THROW(read_checkpoint_meta(tmp.file("v3"), o, nullptr), InputError);
  meta["format_version"] = 1;
  meta["format"] = "something.else";
  write_meta(tmp.file("foreign"), meta);
  EXPECT_THROW(read_checkpoint_meta(tmp.file("foreign"), o, nullptr), InputError);
  TrainOptions changed = o;
  changed.run.seed = 4;
  EXPECT_THROW(read_checkpoint_meta(tmp.file("ok"), changed, nullptr), UsageError);
  changed.checkpoint.force = true;
  std::vector<std::string> differ;
  EXPECT_NO_THROW(read_checkpoint_meta(tmp.file("ok"), changed, &differ));
  EXPECT_EQ(differ.size(), 1u);
}

std::string write_stream(const testing::TempDir& dir) {
  data::SyntheticOptions o;
  o.classes = 6;
  o.train_per_class = 7;  // 14 rows per task: batches of 4 leave a partial one
  o.test_per_class = 2;
  o.side = 3;
  const data::SourceDataset src = data::make_synthetic(o);
  const auto order = data::seeded_class_order(src.num_classes, 1);
  data::StreamLayout layout;
  layout.chunk_rows = 4;
  const std::string out = dir.file("s");
  data::write_class_incremental_stream(out, src, data::split_classes(order, 3, 2), order, 1, layout, false);
  return out;
}

// A 3-task stream of 14 training rows per task, and two strategies.
struct InputFixture {
  testing::TempDir dir;
  data::StreamReader stream{write_stream(dir)};
  strategies::StrategyContext ctx;
  strategies::Finetune finetune{ctx};
  strategies::Cumulative cumulative{ctx};
};

TEST(TaskInput, PlansTheStrategysTrainingTasksInCeilSteps) {
  const InputFixture f;
  const auto& [stream, finetune, cumulative] = std::tie(f.stream, f.finetune, f.cumulative);
  const TaskPlan one = plan_task(stream, finetune, 1, 4);
  ASSERT_EQ(one.segments.size(), 1u);
  EXPECT_EQ(one.segments[0].task, 1);
  EXPECT_EQ(one.rows, 14);
  EXPECT_EQ(one.steps, 4);  // 14 rows in batches of 4: 4, 4, 4, 2
  const TaskPlan all = plan_task(stream, cumulative, 2, 4);
  EXPECT_EQ(all.segments.size(), 3u);
  EXPECT_EQ(all.rows, 42);
  EXPECT_EQ(all.steps, 11);
}

std::vector<std::vector<std::int64_t>> labels_of(data::BatchLoader& loader) {
  std::vector<std::vector<std::int64_t>> out;
  while (auto block = loader.next()) out.push_back(block->labels);
  return out;
}

TEST(TaskInput, AReadAheadLoaderYieldsTheBatchesOfAFreshOne) {
  const InputFixture f;
  const auto& [stream, finetune] = std::tie(f.stream, f.finetune);
  RunOptions o;
  o.batch_size = 4;
  o.epochs = 2;
  o.seed = 3;
  TaskInput ahead(stream, finetune, o, 1, 0), fresh(stream, finetune, o, 1, 0);
  ahead.prefetch_after(0, 1);  // after task 0's last epoch: task 1, epoch 0
  const auto want = labels_of(*fresh.take(1, 0, 0));
  EXPECT_EQ(labels_of(*ahead.take(1, 0, 0)), want);
  EXPECT_EQ(want.size(), 4u);
  EXPECT_EQ(want.back().size(), 2u);
  // Another epoch is shuffled differently; a mid-epoch start skips steps.
  EXPECT_NE(labels_of(*fresh.take(1, 1, 0)), want);
  const auto tail = labels_of(*fresh.take(1, 0, 2));
  EXPECT_EQ(tail, std::vector<std::vector<std::int64_t>>(want.begin() + 2, want.end()));
}

}  // namespace
}  // namespace mnemo::train
