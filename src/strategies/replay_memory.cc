// Implements: ReplayMemory.
#include "strategies/replay_memory.h"

#include <fmt/format.h>

#include "core/error.h"
#include "core/memory.h"
#include "core/rng.h"

namespace mnemo::strategies {

namespace {

// The buffer's geometry; UsageError when it would not fit in this node's
// memory (before allocating: a huge --replay-capacity would end in bad_alloc).
replay::BufferGeometry checked_geometry(const StrategyOptions& o, const StrategyContext& c, bool with_logits) {
  std::int64_t sample_bytes = data::element_bytes(c.sample_type);
  for (auto d : c.image_shape) sample_bytes *= d;
  const replay::BufferGeometry g{o.replay_capacity, sample_bytes,
                                 with_logits ? c.num_classes : 0, std::max<std::int64_t>(1, c.num_tasks), c.world_size,
                                 c.rank};
  const double need = replay::ReplayBuffer::bytes_for(g);
  const double have = static_cast<double>(physical_memory_bytes());
  if (need > 0.8 * have) {
    constexpr double kGiB = 1024.0 * 1024 * 1024;
    throw UsageError(with_hint(fmt::format("--replay-capacity {} needs {:.1f} GiB per rank for this stream ({}-byte "
                                           "samples), more than 80% of this node's {:.1f} GiB",
                                           o.replay_capacity, need / kGiB, g.sample_size, have / kGiB),
                               "lower --replay-capacity, or run more ranks (each stores 1/N of the samples)"));
  }
  return g;
}

}  // namespace

ReplayMemory::ReplayMemory(const StrategyOptions& o, const StrategyContext& c, bool with_logits)
    : context_(c),
      global_capacity_(o.replay_capacity),
      global_batch_(o.replay_batch),
      buffer_(checked_geometry(o, c, with_logits), o.replay_policy,
              Rng::derive(c.seed, /*purpose=*/0x4e91).next()) {
  if (o.replay_capacity < c.world_size) {
    throw UsageError(with_hint("--replay-capacity " + std::to_string(o.replay_capacity) + " is smaller than the " +
                                   std::to_string(c.world_size) + " ranks that share it",
                               "raise --replay-capacity or run fewer ranks"));
  }
  if (o.replay_batch < 1) throw UsageError("--replay-batch must be at least 1 for strategy " + o.name);
}

ReplayBatch ReplayMemory::sample() {
  if (buffer_.empty()) return {};
  return batch_of(buffer_.sample(global_batch_));
}

ReplayBatch ReplayMemory::batch_of(const std::vector<std::int64_t>& drawn) const {
  ReplayBatch out;
  std::vector<std::int64_t> slots;
  for (auto s : drawn) {
    if (buffer_.owns(s)) slots.push_back(s);
  }
  const auto m = static_cast<std::int64_t>(slots.size());
  if (m == 0) return out;
  std::vector<std::int64_t> shape = {m};
  shape.insert(shape.end(), context_.image_shape.begin(), context_.image_shape.end());
  out.images = torch::empty(shape, torch_type(context_.sample_type));
  torch::Tensor labels = torch::empty({m}, torch::kInt64);
  auto* dst = static_cast<std::uint8_t*>(out.images.data_ptr());
  auto* lab = labels.data_ptr<std::int64_t>();
  const std::int64_t ss = buffer_.sample_size(), ls = buffer_.logit_size();
  torch::Tensor logits = ls > 0 ? torch::empty({m, ls}, torch::kFloat32) : torch::Tensor();
  for (std::int64_t i = 0; i < m; ++i) {
    std::copy_n(buffer_.image(slots[i]), ss, dst + i * ss);
    lab[i] = buffer_.label(slots[i]);
    if (ls > 0) std::copy_n(buffer_.logits(slots[i]), ls, logits.data_ptr<float>() + i * ls);
  }
  out.x = model::to_input(out.images, context_.device, context_.input_norm);
  if (context_.augment.enabled()) {
    out.x = context_.augment.apply(out.x, model::Augmenter::kReplayRows, static_cast<std::uint64_t>(buffer_.seen()),
                                   slots);
  }
  out.y = labels.to(context_.device);
  if (ls > 0) out.logits = logits.to(context_.device);
  return out;
}

void ReplayMemory::add(const Batch& batch, const torch::Tensor& logits) {
  const bool global = batch.global_labels.defined();
  MNEMO_ASSERT(global || context_.world_size == 1, "a replay memory on several ranks needs the global batch");
  const torch::Tensor labels = global ? batch.global_labels : batch.y.to(torch::kCPU);
  const std::int64_t offset = global ? batch.offset : 0, mine = batch.size();
  const std::int64_t n = labels.defined() ? labels.size(0) : 0;
  if (n == 0) return;
  const auto* lab = labels.data_ptr<std::int64_t>();
  const std::int64_t ss = buffer_.sample_size(), ls = buffer_.logit_size();
  // Decide for every row (all ranks alike); remember the ones stored here.
  std::vector<std::pair<std::int64_t, std::int64_t>> stored;  // (slot, row), in stream order
  std::vector<std::int64_t> foreign;                           // stored rows another rank processed
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t slot = buffer_.offer(lab[i], batch.task);
    if (slot < 0 || !buffer_.owns(slot)) continue;
    stored.emplace_back(slot, i);
    if (i < offset || i >= offset + mine) foreign.push_back(i);
  }
  // This rank read only its own rows ahead: the others it stores are read now.
  torch::Tensor foreign_images;
  if (!foreign.empty()) {
    MNEMO_ASSERT(static_cast<bool>(batch.read_rows), "rows of other ranks, and no way to read them");
    foreign_images = batch.read_rows(foreign).contiguous();
  }
  torch::Tensor own_logits = ls > 0 && mine > 0 ? logits.detach().to(torch::kCPU).contiguous() : torch::Tensor();
  torch::Tensor foreign_logits;
  if (ls > 0 && !foreign.empty()) {  // the outputs the processing rank's forward pass had
    torch::NoGradGuard no_grad;
    torch::Tensor x = model::to_input(foreign_images, context_.device, context_.input_norm);
    // The input the processing rank's forward pass had, augmentation included.
    x = context_.augment.apply(x, model::Augmenter::kStreamRows, static_cast<std::uint64_t>(batch.step), foreign);
    foreign_logits = context_.model->forward(x).to(torch::kCPU).contiguous();
  }
  const auto* own_images = mine > 0 ? static_cast<const std::uint8_t*>(batch.images.data_ptr()) : nullptr;
  const auto* other_images = foreign.empty() ? nullptr : static_cast<const std::uint8_t*>(foreign_images.data_ptr());
  std::size_t next_foreign = 0;
  for (const auto& [slot, i] : stored) {
    const bool own = i >= offset && i < offset + mine;
    const std::uint8_t* image = own ? own_images + (i - offset) * ss : other_images + next_foreign * ss;
    const float* l = nullptr;
    if (ls > 0) {
      l = own ? own_logits.data_ptr<float>() + (i - offset) * ls
              : foreign_logits.data_ptr<float>() + next_foreign * ls;
    }
    if (!own) ++next_foreign;
    buffer_.store(slot, image, l);
  }
}

void ReplayMemory::assign(std::vector<replay::Sample> samples) {
  for (std::size_t i = 0; i < samples.size(); ++i) samples[i].slot = static_cast<std::int64_t>(i);
  buffer_.restore(samples, buffer_.state());
}

void ReplayMemory::save(const std::string& dir) const {
  replay::save_replay_buffer(dir, buffer_, context_.image_shape, context_.sample_type, context_.rank,
                             context_.world_size, global_capacity_);
}

void ReplayMemory::load(const std::string& dir) {
  const auto shards = replay::load_replay_set(dir);
  const auto& first = shards.front();
  if (first.logit_size != buffer_.logit_size() || first.image_shape != context_.image_shape ||
      first.sample_type != context_.sample_type ||
      first.global_capacity != global_capacity_ || first.policy != buffer_.policy()) {
    throw InputError(with_hint("replay set " + dir + " was written for another model, stream, capacity or policy",
                               "resume with the same stream, strategy and replay options"));
  }
  buffer_.restore(replay::all_samples(shards), first.state);
}

std::string ReplayMemory::summary() const {
  return "replay " + std::to_string(buffer_.size()) + "/" + std::to_string(buffer_.capacity()) + " samples, " +
         std::to_string(buffer_.local_size()) + " here (" + std::to_string(buffer_.memory_bytes() / 1024) + " KiB)";
}

}  // namespace mnemo::strategies
