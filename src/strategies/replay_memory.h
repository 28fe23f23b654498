// Implements: the replay memory shared by the rehearsal strategies (er,
//   er-ace, der, derpp, agem): this rank's view of the global buffer, and
//   conversion of sampled slots to model-ready tensors.
//   Distributed semantics (see replay_buffer.h): every rank offers every
//   sample of the global stream batch and draws the same global replay
//   batch; it stores, and computes the loss of, the slots it owns. Summed
//   over ranks, the replay terms are those of one process with the same
//   global batches, whatever the number of ranks.
#pragma once

#include "replay/replay_buffer.h"
#include "replay/replay_store.h"
#include "strategies/strategy.h"

namespace mnemo::strategies {

struct ReplayBatch {
  torch::Tensor images;  ///< uint8 [m, C, H, W], CPU
  torch::Tensor x;       ///< float input on the device
  torch::Tensor y;       ///< int64 labels on the device
  torch::Tensor logits;  ///< float [m, classes] on the device, when stored
  std::int64_t size() const { return images.defined() ? images.size(0) : 0; }
};

class ReplayMemory {
 public:
  /// `with_logits`: also store the model's logits at insertion (DER).
  ReplayMemory(const StrategyOptions& options, const StrategyContext& context, bool with_logits);

  /// (every rank) Draws the global replay batch; returns the samples of it
  /// this rank stores (possibly none).
  ReplayBatch sample();
  /// The samples of `slots` (global slots, the same on every rank) that
  /// this rank stores.
  ReplayBatch batch_of(const std::vector<std::int64_t>& slots) const;
  /// Replaces the contents by `samples` in slots 0..n-1 (every rank passes
  /// the same samples; each stores the slots it owns).
  void assign(std::vector<replay::Sample> samples);
  /// (every rank) Offers the global stream batch; `logits` [n, C] are the
  /// model's outputs on this rank's rows (DER), and the rows this rank
  /// stores but did not process get theirs from a forward pass here.
  void add(const Batch& batch, const torch::Tensor& logits = {});

  const replay::ReplayBuffer& buffer() const { return buffer_; }
  replay::ReplayBuffer& buffer() { return buffer_; }
  std::string summary() const;

  /// Writes this rank's shard into `dir`, atomically and fsynced, so a
  /// checkpoint need not sync it again (see replay_store.h); StorageError
  /// naming the file if it cannot.
  void save(const std::string& dir) const;
  /// Restores the memory from the set in `dir`, written by any number of
  /// ranks (each sample keeps its global slot).
  void load(const std::string& dir);

 private:
  StrategyContext context_;
  std::int64_t global_capacity_;
  std::int64_t global_batch_;
  replay::ReplayBuffer buffer_;
};

}  // namespace mnemo::strategies
