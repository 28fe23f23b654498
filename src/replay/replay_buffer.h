// Implements: one rank's shard of the global replay memory, with its
//   insertion policy:
//   - reservoir (Vitter's algorithm R): after n offered samples, each is
//     in the buffer with probability min(1, capacity / n);
//   - class-balanced (GDumb's greedy sampler): when full, a sample of a
//     class with fewer than the largest class's count replaces a random
//     sample of the largest class; otherwise it is dropped;
//   - ring (per-task FIFO): capacity / tasks slots per task, each keeping
//     its task's most recent samples.
//   Herding (iCaRL) is a selection the strategy makes at task end with the
//   model's features; it rewrites a task's slots through replace_task().
//
//   Distributed semantics: the global capacity C is split across ranks with
//   local_share (C/N, +1 for the first C%N ranks); each rank applies the
//   policy to the samples of its own data shard.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/rng.h"

namespace mnemo::replay {

/// This rank's part of a global capacity (or of a global replay batch).
std::int64_t local_share(std::int64_t global, int world_size, int rank);

enum class Policy { kReservoir, kClassBalanced, kRing };
Policy parse_policy(const std::string& name);
const char* policy_name(Policy policy);

/// One stored sample, as plain data (for persistence and resharding).
struct Sample {
  std::vector<std::uint8_t> image;
  std::int64_t label = 0;
  std::int64_t task = 0;
  std::vector<float> logits;  ///< empty unless the buffer stores logits
};

struct BufferGeometry {
  std::int64_t capacity = 0;     ///< slots on this rank
  std::int64_t sample_size = 0;  ///< bytes per image
  std::int64_t logit_size = 0;   ///< floats per sample (DER), 0 for none
  std::int64_t num_tasks = 1;    ///< ring policy: slots per task = capacity / num_tasks
};

class ReplayBuffer {
 public:
  /// `seed` should already be rank-specific.
  ReplayBuffer(const BufferGeometry& geometry, Policy policy, std::uint64_t seed);

  /// Offers one sample; the policy decides whether and where it is kept.
  /// `logits` (logit_size floats) is required when the buffer stores logits.
  void add(const std::uint8_t* image, std::int64_t label, std::int64_t task, const float* logits = nullptr);

  /// `n` distinct slots drawn uniformly (all slots, shuffled, when n >= size()).
  std::vector<std::int64_t> sample(std::int64_t n);

  /// Replaces every sample of `task` by `samples` (herding); the total must fit.
  void replace_task(std::int64_t task, const std::vector<Sample>& samples);

  std::int64_t size() const { return size_; }
  std::int64_t capacity() const { return g_.capacity; }
  std::int64_t seen() const { return seen_; }
  std::int64_t sample_size() const { return g_.sample_size; }
  std::int64_t logit_size() const { return g_.logit_size; }
  const BufferGeometry& geometry() const { return g_; }
  Policy policy() const { return policy_; }
  bool empty() const { return size_ == 0; }
  const std::uint8_t* image(std::int64_t slot) const { return images_.data() + slot * g_.sample_size; }
  std::int64_t label(std::int64_t slot) const { return labels_[static_cast<std::size_t>(slot)]; }
  std::int64_t task(std::int64_t slot) const { return tasks_[static_cast<std::size_t>(slot)]; }
  const float* logits(std::int64_t slot) const { return logits_.data() + slot * g_.logit_size; }
  /// Bytes held by the buffer's storage.
  std::size_t memory_bytes() const;

  /// Every stored sample, in slot order.
  std::vector<Sample> samples() const;
  /// Replaces the contents (size() = samples.size() <= capacity) and the seen count.
  void restore(const std::vector<Sample>& samples, std::int64_t seen);
  /// The sampling RNG's state, for bit-exact resumption.
  std::uint64_t rng_state() const { return rng_.state(); }
  void set_rng_state(std::uint64_t state) { rng_.set_state(state); }

 private:
  void store(std::int64_t slot, const std::uint8_t* image, std::int64_t label, std::int64_t task,
             const float* logits);
  std::int64_t class_balanced_slot(std::int64_t label);
  std::int64_t ring_slot(std::int64_t task);

  BufferGeometry g_;
  Policy policy_;
  std::int64_t size_ = 0, seen_ = 0;
  std::vector<std::uint8_t> images_;
  std::vector<std::int64_t> labels_, tasks_;
  std::vector<float> logits_;
  std::vector<std::int64_t> ring_next_;  // per task: next slot offset in its ring
  std::vector<std::int64_t> ring_fill_;  // per task: filled slots in its ring
  Rng rng_;
};

}  // namespace mnemo::replay
