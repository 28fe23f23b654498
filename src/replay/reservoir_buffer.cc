// Implements: the reservoir replay buffer.
#include "replay/reservoir_buffer.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "data/sharding.h"

namespace mnemo::replay {

std::int64_t local_share(std::int64_t global, int world_size, int rank) {
  return data::block_range(global, world_size, rank).size();
}

ReservoirBuffer::ReservoirBuffer(std::int64_t capacity, std::int64_t sample_size, std::uint64_t seed,
                                 std::int64_t logit_size)
    : capacity_(capacity), sample_size_(sample_size), logit_size_(logit_size), rng_(seed) {
  MNEMO_ASSERT(capacity >= 0 && sample_size > 0, "bad replay buffer geometry");
  images_.resize(static_cast<std::size_t>(capacity * sample_size));
  labels_.resize(static_cast<std::size_t>(capacity));
  tasks_.resize(static_cast<std::size_t>(capacity));
  logits_.resize(static_cast<std::size_t>(capacity * logit_size));
}

void ReservoirBuffer::store(std::int64_t slot, const std::uint8_t* image, std::int64_t label, std::int64_t task,
                            const float* logits) {
  std::copy_n(image, sample_size_, images_.begin() + slot * sample_size_);
  if (logit_size_ > 0) {
    MNEMO_ASSERT(logits != nullptr, "this replay buffer stores logits: pass them");
    std::copy_n(logits, logit_size_, logits_.begin() + slot * logit_size_);
  }
  labels_[static_cast<std::size_t>(slot)] = label;
  tasks_[static_cast<std::size_t>(slot)] = task;
}

void ReservoirBuffer::add(const std::uint8_t* image, std::int64_t label, std::int64_t task, const float* logits) {
  ++seen_;
  if (capacity_ == 0) return;
  if (size_ < capacity_) {
    store(size_++, image, label, task, logits);
    return;
  }
  const auto j = static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(seen_)));
  if (j < capacity_) store(j, image, label, task, logits);
}

std::vector<std::int64_t> ReservoirBuffer::sample(std::int64_t n) {
  n = std::min(n, size_);
  // Partial Fisher-Yates over the slot ids: n distinct, uniform.
  std::vector<std::int64_t> slots(static_cast<std::size_t>(size_));
  std::iota(slots.begin(), slots.end(), 0);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto j = i + static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(size_ - i)));
    std::swap(slots[i], slots[j]);
  }
  slots.resize(static_cast<std::size_t>(n));
  return slots;
}

std::size_t ReservoirBuffer::memory_bytes() const {
  return images_.size() + (labels_.size() + tasks_.size()) * sizeof(std::int64_t) + logits_.size() * sizeof(float);
}

}  // namespace mnemo::replay
