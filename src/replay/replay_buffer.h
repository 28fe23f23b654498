// Implements: the global replay memory as one rank holds it, with its
//   insertion policy:
//   - reservoir (Vitter's algorithm R): after n offered samples, each is
//     in the buffer with probability min(1, capacity / n);
//   - class-balanced (GDumb's greedy sampler): when full, a sample of a
//     class with fewer than the largest class's count replaces a random
//     sample of the largest class; otherwise it is dropped;
//   - ring (per-task FIFO): capacity / tasks slots per task, each keeping
//     its task's most recent samples.
//   Distributed semantics: the buffer has C global slots. Every rank makes
//   every decision (which slot a sample of the global stream goes to, which
//   slots a replay batch draws) with the same seeded generator over the same
//   global stream, and keeps the labels and tasks of all C slots, so the
//   decisions do not depend on the number of ranks. The images (and DER's
//   logits) are sharded: rank r stores slot s when s % N == r, so it holds
//   local_share(C, N, r) of them. A replay batch is the same set of slots
//   on every world size; each rank computes the loss of the slots it holds.
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
  std::int64_t slot = -1;     ///< global slot (persistence and resharding)
  std::vector<std::uint8_t> image;
  std::int64_t label = 0;
  std::int64_t task = 0;
  std::vector<float> logits;  ///< empty unless the buffer stores logits
};

struct BufferGeometry {
  std::int64_t capacity = 0;     ///< global slots
  std::int64_t sample_size = 0;  ///< bytes per image
  std::int64_t logit_size = 0;   ///< floats per sample (DER), 0 for none
  std::int64_t num_tasks = 1;    ///< ring policy: slots per task = capacity / num_tasks
  int world_size = 1;            ///< ranks sharing the slots
  int rank = 0;                  ///< this rank stores the slots s with s % world_size == rank
};

/// The global state that is identical on every rank (persisted with each shard).
struct BufferState {
  std::int64_t seen = 0;
  std::uint64_t rng_state = 0;
  std::vector<std::int64_t> ring_next;  ///< ring policy: each task's next FIFO position
};

class ReplayBuffer {
 public:
  /// `seed` must be the same on every rank.
  ReplayBuffer(const BufferGeometry& geometry, Policy policy, std::uint64_t seed);

  /// Decides where the next sample of the global stream goes, on every rank
  /// alike: its slot (whose label and task are recorded), or -1 if dropped.
  std::int64_t offer(std::int64_t label, std::int64_t task);
  bool owns(std::int64_t slot) const { return slot % g_.world_size == g_.rank; }
  /// Stores the image (and logits, if the buffer keeps them) of an owned slot.
  void store(std::int64_t slot, const std::uint8_t* image, const float* logits = nullptr);
  /// offer() and, when this rank owns the slot, store(): for a rank that
  /// sees every sample of the global stream (and for one rank).
  void add(const std::uint8_t* image, std::int64_t label, std::int64_t task, const float* logits = nullptr);

  /// `n` distinct filled slots drawn uniformly (all, shuffled, when n >=
  /// size()); the same slots on every rank.
  std::vector<std::int64_t> sample(std::int64_t n);

  std::int64_t size() const { return size_; }  ///< filled global slots
  std::int64_t capacity() const { return g_.capacity; }
  std::int64_t local_capacity() const;          ///< slots this rank stores
  std::int64_t local_size() const;              ///< filled slots this rank stores
  std::int64_t seen() const { return seen_; }
  std::int64_t sample_size() const { return g_.sample_size; }
  std::int64_t logit_size() const { return g_.logit_size; }
  const BufferGeometry& geometry() const { return g_; }
  Policy policy() const { return policy_; }
  bool empty() const { return size_ == 0; }
  /// Image and logits of an owned slot; label and task of any slot.
  const std::uint8_t* image(std::int64_t slot) const;
  const float* logits(std::int64_t slot) const;
  std::int64_t label(std::int64_t slot) const { return labels_[static_cast<std::size_t>(slot)]; }
  std::int64_t task(std::int64_t slot) const { return tasks_[static_cast<std::size_t>(slot)]; }
  /// The filled slots, in slot order.
  std::vector<std::int64_t> filled_slots() const;
  /// Bytes held by this rank's storage (its images and logits, every slot's label and task).
  std::size_t memory_bytes() const;
  /// memory_bytes() of a buffer of geometry `g` (as a double: huge capacities do not overflow).
  static double bytes_for(const BufferGeometry& g);

  /// The samples this rank stores, in slot order, with their slots.
  std::vector<Sample> samples() const;
  BufferState state() const;
  /// Rebuilds the buffer from the samples of every rank's shard (each with
  /// its slot) and the global state; stores the ones this rank owns.
  void restore(const std::vector<Sample>& all, const BufferState& state);

 private:
  std::int64_t local_index(std::int64_t slot) const { return slot / g_.world_size; }
  std::int64_t class_balanced_slot(std::int64_t label);
  std::int64_t ring_slot(std::int64_t task);

  BufferGeometry g_;
  Policy policy_;
  std::int64_t size_ = 0, seen_ = 0;
  std::vector<std::uint8_t> images_;        // owned slots only, by local index
  std::vector<float> logits_;               // owned slots only, by local index
  std::vector<std::int64_t> labels_, tasks_;  // every global slot
  std::vector<std::int64_t> ring_next_;  // per task: next slot offset in its ring
  std::vector<std::int64_t> ring_fill_;  // per task: filled slots in its ring
  Rng rng_;
};

}  // namespace mnemo::replay
