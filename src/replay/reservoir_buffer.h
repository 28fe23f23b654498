// Implements: one rank's shard of the global replay memory, filled by
//   reservoir sampling (Vitter's algorithm R): after n samples were offered,
//   each of them is in the buffer with probability min(1, capacity / n).
//
//   Distributed semantics: the global capacity C is split across ranks with
//   block_range (C_r = C/N, +1 for the first C%N ranks). Each rank runs its
//   own reservoir over the samples of its data shard; since the shards
//   partition the stream, the union of the shards is a stratified uniform
//   sample of the stream of total size C.
#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"

namespace mnemo::replay {

/// This rank's part of a global capacity (or of a global replay batch).
std::int64_t local_share(std::int64_t global, int world_size, int rank);

class ReservoirBuffer {
 public:
  /// `sample_size`: bytes per image; `seed` should already be rank-specific;
  /// `logit_size` > 0 also stores that many floats per sample (DER).
  ReservoirBuffer(std::int64_t capacity, std::int64_t sample_size, std::uint64_t seed, std::int64_t logit_size = 0);

  /// Offers one sample; it is stored with probability capacity / seen.
  /// `logits` (logit_size floats) is required when the buffer stores logits.
  void add(const std::uint8_t* image, std::int64_t label, std::int64_t task, const float* logits = nullptr);

  /// `n` distinct slots drawn uniformly (all slots, shuffled, when n >= size()).
  std::vector<std::int64_t> sample(std::int64_t n);

  std::int64_t size() const { return size_; }
  std::int64_t capacity() const { return capacity_; }
  std::int64_t seen() const { return seen_; }
  std::int64_t sample_size() const { return sample_size_; }
  bool empty() const { return size_ == 0; }
  const std::uint8_t* image(std::int64_t slot) const { return images_.data() + slot * sample_size_; }
  std::int64_t label(std::int64_t slot) const { return labels_[static_cast<std::size_t>(slot)]; }
  std::int64_t task(std::int64_t slot) const { return tasks_[static_cast<std::size_t>(slot)]; }
  const float* logits(std::int64_t slot) const { return logits_.data() + slot * logit_size_; }
  std::int64_t logit_size() const { return logit_size_; }
  /// Bytes held by the buffer's storage.
  std::size_t memory_bytes() const;

 private:
  void store(std::int64_t slot, const std::uint8_t* image, std::int64_t label, std::int64_t task,
             const float* logits);

  std::int64_t capacity_, sample_size_, logit_size_;
  std::int64_t size_ = 0, seen_ = 0;
  std::vector<std::uint8_t> images_;
  std::vector<std::int64_t> labels_, tasks_;
  std::vector<float> logits_;
  Rng rng_;
};

}  // namespace mnemo::replay
