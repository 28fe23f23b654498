// Implements: the replay memory shared by the rehearsal strategies (er,
//   er-ace, der, derpp, agem): this rank's reservoir shard of the global
//   buffer, and conversion of sampled slots to model-ready tensors.
//   Distributed semantics (see reservoir_buffer.h): capacity and replay
//   batch are global and split across ranks with local_share; each rank
//   fills its shard from its own data block and samples its share.
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

  /// This rank's share of the global replay batch (empty while the shard is).
  ReplayBatch sample();
  /// Offers the stream batch to the reservoir (with its logits [n, C] for DER).
  void add(const Batch& batch, const torch::Tensor& logits = {});

  const replay::ReplayBuffer& buffer() const { return buffer_; }
  replay::ReplayBuffer& buffer() { return buffer_; }
  std::string summary() const;

  /// Writes this rank's shard into `dir` (see replay_store.h).
  void save(const std::string& dir) const;
  /// Restores this rank's shard from the set in `dir`, resharding when it
  /// was written by another number of ranks.
  void load(const std::string& dir);

 private:
  StrategyContext context_;
  std::int64_t global_capacity_;
  std::int64_t local_batch_;
  replay::ReplayBuffer buffer_;
};

}  // namespace mnemo::strategies
