// Implements: `gdumb`, Greedy Sampler and Dumb Learner (Prabhu et al.,
//   ECCV 2020). The stream only fills a class-balanced memory (the greedy
//   sampler: a new class takes a slot from the largest class); nothing is
//   learnt from the stream itself. At each task end the model is reset to
//   its initial weights and trained from scratch on the memory alone:
//   --gdumb-epochs passes of minibatches of --replay-batch samples, plain
//   SGD from --lr annealed to 0 by a cosine (the paper uses SGDR and
//   cutmix, which mnemo leaves out), with the head mask for task-IL. That
//   model is the one evaluated.
//   Distributed: the memory is replay_memory.h's global buffer. Every rank
//   draws the same shuffled slots for each pass and computes the loss of
//   the ones it stores; gradients are the global mean (all-reduced), so
//   the retrained model does not depend on the number of ranks.
#pragma once

#include "strategies/replay_memory.h"

namespace mnemo::strategies {

/// --gdumb-epochs.
struct GDumbOptions {
  std::int64_t epochs = 30;  ///< passes over the memory when retraining at each task end
  void declare(OptionTable& table);
};

class GDumb : public Strategy {
 public:
  GDumb(const StrategyOptions& options, const StrategyContext& context);
  void before_task(std::int64_t task) override;
  std::vector<LossTerm> loss(const Batch& batch) override { return {}; }
  void after_step(const Batch& batch) override { memory_.add(batch); }
  void after_task(const TaskSamples& samples) override;
  std::string summary() const override { return memory_.summary(); }
  ReplayMemory* memory() override { return &memory_; }
  void save_state(torch::serialize::OutputArchive& archive) const override;
  void load_state(torch::serialize::InputArchive& archive) override;

 private:
  StrategyOptions options_;
  GDumbOptions gdumb_;
  StrategyContext context_;
  ReplayMemory memory_;
  torch::Tensor initial_;  // the weights every retraining starts from
};

}  // namespace mnemo::strategies
