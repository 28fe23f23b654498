// Tests: set_up_run on one process: options are validated before anything
//   is built; the run holds the stream, a model whose flat buffer covers
//   every parameter, the optimizer the options name, and a strategy whose
//   services act on that buffer.
#include <gtest/gtest.h>

#include "comm/communicator.h"
#include "core/error.h"
#include "data/prepare/prepare.h"
#include "strategies/loss_terms.h"
#include "test_dir.h"
#include "train/run_setup.h"

namespace mnemo::train {
namespace {

std::string prepare_tiny_stream(const testing::TempDir& dir) {
  data::PrepareOptions p;
  p.source = data::Source::kSynthetic;
  p.scenario = data::Scenario::kTaskIncremental;
  p.tasks = 2;
  p.classes_per_task = 2;
  p.synthetic.classes = 4;
  p.synthetic.train_per_class = 6;
  p.synthetic.test_per_class = 2;
  p.synthetic.side = 3;
  p.output = dir.file("s");
  data::prepare_stream(p);
  return p.output;
}

TEST(RunSetup, InvalidOptionsFailBeforeAnythingIsBuilt) {
  const auto control = make_local_communicator();
  TrainOptions o;
  o.run.stream = "/nonexistent/stream";  // would be an InputError if it were opened
  o.optimizer.lr = -1;
  EXPECT_THROW(set_up_run(o, *control), UsageError);
}

TEST(RunSetup, BuildsTheRunTheOptionsDescribe) {
  testing::TempDir dir;
  const auto control = make_local_communicator();
  TrainOptions o;
  o.run.stream = prepare_tiny_stream(dir);
  o.run.run_dir = dir.file("run");
  o.run.threads = 1;
  o.strategy.name = "finetune";
  o.model.hidden = {5};
  o.optimizer.name = OptimizerKind::kAdam;
  const auto run = set_up_run(o, *control);
  EXPECT_EQ(run->stream->num_tasks(), 2);
  std::int64_t params = 0;
  for (const auto& p : run->model->parameters()) params += p.numel();
  EXPECT_EQ(run->flat->numel(), params);
  std::vector<std::string> state;
  for (const auto& [name, _] : run->optimizer->state()) state.push_back(name);
  EXPECT_EQ(state, (std::vector<std::string>{"m", "v", "t"}));
  EXPECT_EQ(run->grad_comm->backend(), "local");
  EXPECT_NE(run->describe().find("1 ranks, backend local, device cpu, 1 threads/rank"), std::string::npos)
      << run->describe();
}

}  // namespace
}  // namespace mnemo::train
