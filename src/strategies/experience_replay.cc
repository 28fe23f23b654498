// Implements: ExperienceReplay.
#include "strategies/experience_replay.h"

#include "core/error.h"
#include "core/rng.h"

namespace mnemo::strategies {

ExperienceReplay::ExperienceReplay(const StrategyOptions& o, const StrategyContext& c)
    : context_(c),
      local_replay_batch_(replay::local_share(o.replay_batch, c.world_size, c.rank)),
      buffer_(replay::local_share(o.replay_capacity, c.world_size, c.rank),
              c.image_shape.at(0) * c.image_shape.at(1) * c.image_shape.at(2),
              Rng::derive(c.seed, /*purpose=*/0x4e91, static_cast<std::uint64_t>(c.rank)).next()) {
  if (o.replay_capacity < c.world_size) {
    throw UsageError(with_hint("--replay-capacity " + std::to_string(o.replay_capacity) + " is smaller than the " +
                                   std::to_string(c.world_size) + " ranks that share it",
                               "raise --replay-capacity or run fewer ranks"));
  }
  if (o.replay_batch < 1) throw UsageError("--replay-batch must be at least 1 for strategy er");
}

std::vector<LossTerm> ExperienceReplay::loss(const Batch& batch) {
  torch::Tensor images = batch.images;
  torch::Tensor y = batch.y;
  if (!buffer_.empty() && local_replay_batch_ > 0) {
    const auto slots = buffer_.sample(local_replay_batch_);
    const auto n = static_cast<std::int64_t>(slots.size());
    auto shape = images.sizes().vec();
    shape[0] = n;
    torch::Tensor buf_images = torch::empty(shape, torch::kUInt8);
    torch::Tensor buf_labels = torch::empty({n}, torch::kInt64);
    auto* dst = buf_images.data_ptr<std::uint8_t>();
    auto* lab = buf_labels.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < n; ++i) {
      std::copy_n(buffer_.image(slots[i]), buffer_.sample_size(), dst + i * buffer_.sample_size());
      lab[i] = buffer_.label(slots[i]);
    }
    images = torch::cat({images, buf_images});
    y = torch::cat({y, buf_labels.to(context_.device)});
  }
  if (images.size(0) == 0) return {};
  return {cross_entropy_term(*context_.model, to_input(images, context_.device), y, context_.head_mask)};
}

void ExperienceReplay::after_step(const Batch& batch) {
  const auto n = batch.size();
  if (n == 0) return;
  torch::Tensor labels = batch.y.to(torch::kCPU);
  const auto* img = batch.images.data_ptr<std::uint8_t>();
  const auto* lab = labels.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) buffer_.add(img + i * buffer_.sample_size(), lab[i], batch.task);
}

std::string ExperienceReplay::summary() const {
  return "replay shard " + std::to_string(buffer_.size()) + "/" + std::to_string(buffer_.capacity()) +
         " samples (" + std::to_string(buffer_.memory_bytes() / 1024) + " KiB)";
}

}  // namespace mnemo::strategies
