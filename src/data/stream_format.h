// Implements: the names and version of the on-disk task-stream format.
//
//   STREAM_DIR/stream.h5                 the manifest
//     attrs: format="mnemo.stream", format_version, stream_id, scenario,
//            num_tasks, num_classes, num_shards, image_shape (the sample's
//            shape), seed, class_order, provenance (JSON text);
//            version 2: sample_type, and with normalisation norm_mean,
//            norm_std, norm_source
//     /task_NNN attrs: classes, train_count, test_count,
//                      train_shard_counts[K], test_shard_counts[K]
//                      val_count, val_shard_counts[K]   (only with a validation split)
//   STREAM_DIR/shard-KKKKK-of-NNNNN.h5   shard k of K
//     attrs: format="mnemo.stream.shard", format_version, stream_id, shard_index
//     /task_NNN/{train,test}/images  sample_type [n, ...image_shape], chunked by rows
//     /task_NNN/{train,test}/labels  int64 [n]
//     /task_NNN/val/{images,labels}  (only with a validation split)
//   Shard k holds block k (block_range) of every task's train and test rows,
//   so a reader on any number of ranks maps its rows onto the shards.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mnemo::data {

inline constexpr const char* kStreamFormat = "mnemo.stream";
inline constexpr const char* kShardFormat = "mnemo.stream.shard";
/// Version 2 added float samples of any shape and normalisation; version 1
/// streams (uint8 [C, H, W] images) still read.
inline constexpr std::int64_t kStreamFormatVersion = 2;
inline constexpr std::int64_t kOldestStreamFormatVersion = 1;
inline constexpr const char* kManifestFile = "stream.h5";
/// SHA-256 of every file of the stream, in `sha256sum -c` format. The
/// manifest is verified against it before libhdf5 parses it (a corrupt HDF5
/// header can crash libhdf5 itself); `mnemo inspect` verifies every shard.
inline constexpr const char* kChecksumFile = "SHA256SUMS";

std::string task_group(std::int64_t task);

/// Writes DIR/SHA256SUMS for the given files of DIR.
void write_checksums(const std::string& dir, const std::vector<std::string>& names);
/// Verifies the named files of DIR against DIR/SHA256SUMS; InputError naming
/// the file otherwise (missing list, missing entry, mismatch).
void verify_checksums(const std::string& dir, const std::vector<std::string>& names);
std::string shard_file(int index, int count);

enum class Split { kTrain, kTest, kVal };
const char* split_name(Split split);

}  // namespace mnemo::data
