// Implements: replay memory on disk, and its resharding protocol.
//   A replay set is a directory of per-rank HDF5 shards
//   replay-rRRRRR-of-NNNNN.h5, each with attributes format="mnemo.replay",
//   format_version (2), policy, rank, world_size, capacity (this shard's
//   slots), global_capacity, and the global state every rank shares: seen,
//   rng_state, ring_next (int64[tasks], ring policy); and datasets slots
//   int64 [n] (global slot of each sample), images uint8 [n, C, H, W],
//   labels int64 [n], tasks int64 [n], logits float32 [n, L] (when L > 0).
//
//   Resharding protocol (N ranks -> M ranks): every rank of the M reads
//   the whole set (load_replay_set), and ReplayBuffer::restore keeps the
//   samples whose global slot s has s % M == its rank; the global state is
//   unchanged. So the multiset of samples, and every later decision, is the
//   same on any number of ranks. Storage knows files, not ranks: which rank
//   writes which shard is the trainer's choice.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/sample_format.h"
#include "replay/replay_buffer.h"

namespace mnemo::replay {

inline constexpr const char* kReplayFormat = "mnemo.replay";
inline constexpr std::int64_t kReplayFormatVersion = 2;

struct ReplayShard {
  std::vector<Sample> samples;  ///< each with its global slot
  BufferState state;            ///< identical in every shard of a set
  std::int64_t capacity = 0, global_capacity = 0;
  int rank = 0, world_size = 1;
  Policy policy = Policy::kReservoir;
  std::vector<std::int64_t> image_shape;  ///< of one sample: {C, H, W} for images
  data::SampleType sample_type = data::SampleType::kUInt8;  ///< shards before it was stored: uint8
  std::int64_t logit_size = 0;
};

std::string replay_shard_name(int rank, int world_size);

/// Writes the shard of `buffer` (the slots it owns) as
/// DIR/replay-r...h5, atomically and durably (temporary file, fsync,
/// rename, fsync of DIR), from the buffer's own storage: no per-sample
/// copies (a buffer of C samples would otherwise briefly take about 3x its
/// bytes again). StorageError naming the file if it cannot be written.
void save_replay_buffer(const std::string& dir, const ReplayBuffer& buffer, const std::vector<std::int64_t>& image_shape,
                        data::SampleType sample_type, int rank, int world_size, std::int64_t global_capacity);
/// Reads and validates one shard; InputError naming the file otherwise.
ReplayShard load_replay_shard(const std::string& path);
/// Reads every shard of the set in `dir` (a complete rank set); InputError otherwise.
std::vector<ReplayShard> load_replay_set(const std::string& dir);
/// Every sample of a set (the union of its shards), for ReplayBuffer::restore.
std::vector<Sample> all_samples(const std::vector<ReplayShard>& shards);

/// Class and task histograms of a replay set or shard, for `mnemo inspect`.
std::string describe_replay(const std::string& path);

}  // namespace mnemo::replay
