// Implements: ReplayMemory.
#include "strategies/replay_memory.h"

#include "core/error.h"
#include "core/rng.h"

namespace mnemo::strategies {

ReplayMemory::ReplayMemory(const StrategyOptions& o, const StrategyContext& c, bool with_logits)
    : context_(c),
      global_capacity_(o.replay_capacity),
      local_batch_(replay::local_share(o.replay_batch, c.world_size, c.rank)),
      buffer_(replay::BufferGeometry{replay::local_share(o.replay_capacity, c.world_size, c.rank),
                                     c.image_shape.at(0) * c.image_shape.at(1) * c.image_shape.at(2),
                                     with_logits ? c.num_classes : 0, std::max<std::int64_t>(1, c.num_tasks)},
              replay::parse_policy(o.replay_policy),
              Rng::derive(c.seed, /*purpose=*/0x4e91, static_cast<std::uint64_t>(c.rank)).next()) {
  if (o.replay_capacity < c.world_size) {
    throw UsageError(with_hint("--replay-capacity " + std::to_string(o.replay_capacity) + " is smaller than the " +
                                   std::to_string(c.world_size) + " ranks that share it",
                               "raise --replay-capacity or run fewer ranks"));
  }
  if (o.replay_batch < 1) throw UsageError("--replay-batch must be at least 1 for strategy " + o.name);
}

ReplayBatch ReplayMemory::sample() {
  ReplayBatch out;
  if (buffer_.empty() || local_batch_ == 0) return out;
  const auto slots = buffer_.sample(local_batch_);
  const auto m = static_cast<std::int64_t>(slots.size());
  std::vector<std::int64_t> shape = {m};
  shape.insert(shape.end(), context_.image_shape.begin(), context_.image_shape.end());
  out.images = torch::empty(shape, torch::kUInt8);
  torch::Tensor labels = torch::empty({m}, torch::kInt64);
  auto* dst = out.images.data_ptr<std::uint8_t>();
  auto* lab = labels.data_ptr<std::int64_t>();
  const std::int64_t ss = buffer_.sample_size(), ls = buffer_.logit_size();
  torch::Tensor logits = ls > 0 ? torch::empty({m, ls}, torch::kFloat32) : torch::Tensor();
  for (std::int64_t i = 0; i < m; ++i) {
    std::copy_n(buffer_.image(slots[i]), ss, dst + i * ss);
    lab[i] = buffer_.label(slots[i]);
    if (ls > 0) std::copy_n(buffer_.logits(slots[i]), ls, logits.data_ptr<float>() + i * ls);
  }
  out.x = to_input(out.images, context_.device);
  out.y = labels.to(context_.device);
  if (ls > 0) out.logits = logits.to(context_.device);
  return out;
}

void ReplayMemory::add(const Batch& batch, const torch::Tensor& logits) {
  const auto n = batch.size();
  if (n == 0) return;
  const torch::Tensor labels = batch.y.to(torch::kCPU);
  const torch::Tensor host_logits = logits.defined() ? logits.detach().to(torch::kCPU).contiguous() : torch::Tensor();
  const auto* img = batch.images.data_ptr<std::uint8_t>();
  const auto* lab = labels.data_ptr<std::int64_t>();
  const std::int64_t ls = buffer_.logit_size();
  for (std::int64_t i = 0; i < n; ++i) {
    buffer_.add(img + i * buffer_.sample_size(), lab[i], batch.task,
                ls > 0 ? host_logits.data_ptr<float>() + i * ls : nullptr);
  }
}

void ReplayMemory::save(const std::string& dir) const {
  replay::save_replay_shard(
      dir, replay::to_shard(buffer_, context_.image_shape, context_.rank, context_.world_size, global_capacity_));
}

void ReplayMemory::load(const std::string& dir) {
  auto shards = replay::load_replay_set(dir);
  if (static_cast<int>(shards.size()) != context_.world_size) shards = replay::reshard(shards, context_.world_size);
  const auto& mine = shards[static_cast<std::size_t>(context_.rank)];
  if (mine.logit_size != buffer_.logit_size() || mine.image_shape != context_.image_shape) {
    throw InputError(with_hint("replay set " + dir + " was written for another model or stream",
                               "resume with the same stream and strategy"));
  }
  buffer_.restore(mine.samples, mine.seen);
}

std::string ReplayMemory::summary() const {
  return "replay shard " + std::to_string(buffer_.size()) + "/" + std::to_string(buffer_.capacity()) + " samples (" +
         std::to_string(buffer_.memory_bytes() / 1024) + " KiB)";
}

}  // namespace mnemo::strategies
