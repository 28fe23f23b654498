// Implements: reading a task stream written by write_class_incremental_stream.
//   Opening validates the manifest and every shard (format, version, stream
//   id, counts); reads are hyperslabs of the requested rows only, mapped
//   onto the K shard files, and labels are checked against the task's classes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/io/h5.h"
#include "data/io/row_file.h"
#include "data/sample_format.h"
#include "data/sharding.h"
#include "data/stream_format.h"

namespace mnemo::data {

struct TaskInfo {
  std::vector<std::int64_t> classes;
  std::int64_t train_count = 0;
  std::int64_t test_count = 0;
  std::int64_t val_count = 0;  ///< 0: the stream has no validation split
  std::vector<std::int64_t> train_shard_counts, test_shard_counts, val_shard_counts;
  std::int64_t count(Split s) const {
    return s == Split::kTrain ? train_count : s == Split::kTest ? test_count : val_count;
  }
  const std::vector<std::int64_t>& shard_counts(Split s) const {
    return s == Split::kTrain ? train_shard_counts : s == Split::kTest ? test_shard_counts : val_shard_counts;
  }
  /// The splits stored for this task: train, test and, if present, val.
  std::vector<Split> splits() const {
    if (val_count > 0) return {Split::kTrain, Split::kTest, Split::kVal};
    return {Split::kTrain, Split::kTest};
  }
};

/// A block of samples: the samples' bytes (count() rows of the stream's
/// SampleFormat, row-major) and int64 labels.
struct SampleBlock {
  std::vector<std::uint8_t> images;
  std::vector<std::int64_t> labels;
  std::int64_t count() const { return static_cast<std::int64_t>(labels.size()); }
};

class StreamReader {
 public:
  /// Opens and validates the stream in `dir`; throws InputError naming the
  /// file and field on any problem.
  explicit StreamReader(const std::string& dir);

  const std::string& dir() const { return dir_; }
  std::int64_t num_tasks() const { return static_cast<std::int64_t>(tasks_.size()); }
  std::int64_t num_classes() const { return num_classes_; }
  /// The sample's type, shape and normalisation.
  const SampleFormat& sample_format() const { return format_; }
  /// The shape of one sample ({C, H, W} for images).
  const std::vector<std::int64_t>& image_shape() const { return format_.shape; }
  /// Bytes per sample.
  std::int64_t sample_size() const { return sample_size_; }
  std::int64_t format_version() const { return format_version_; }
  const TaskInfo& task(std::int64_t t) const { return tasks_.at(static_cast<std::size_t>(t)); }
  const std::string& stream_id() const { return stream_id_; }
  const std::string& scenario() const { return scenario_; }
  const std::string& dataset() const { return dataset_; }
  const std::string& provenance_json() const { return provenance_; }
  const std::vector<std::int64_t>& class_order() const { return class_order_; }
  std::int64_t seed() const { return seed_; }

  /// Reads rows [rows.begin, rows.end) of a task's split.
  SampleBlock read(std::int64_t task, Split split, Range rows) const;
  /// The same rows, straight into `images` (rows.size() * sample_size()
  /// bytes) and `labels` (rows.size() values).
  void read_into(std::int64_t task, Split split, Range rows, std::uint8_t* images, std::int64_t* labels) const;
  /// The labels of rows [rows.begin, rows.end), checked against the task's classes.
  void read_labels(std::int64_t task, Split split, Range rows, std::int64_t* labels) const;
  /// The samples of `rows` (increasing) of a task's split, one after the
  /// other into `images` (rows.size() * sample_size() bytes). Unfiltered
  /// shards (prepare's default) are read by file offset, a run of
  /// consecutive rows at a time; compressed ones through HDF5.
  void read_images(std::int64_t task, Split split, const std::vector<std::int64_t>& rows, std::uint8_t* images) const;
  /// Whether read_images reads this task's split by file offset in every shard.
  bool reads_by_offset(std::int64_t task, Split split) const;

 private:
  std::string dir_;
  std::string stream_id_, scenario_, dataset_, provenance_;
  std::int64_t num_classes_ = 0, sample_size_ = 0, seed_ = 0, format_version_ = 0;
  SampleFormat format_;
  std::vector<std::int64_t> class_order_;
  std::vector<TaskInfo> tasks_;
  std::vector<io::h5::File> shards_;
  std::vector<io::RowFile> shard_files_;  // the same files, for read_images' positioned reads
  // [shard][task * 3 + split]: where the images' rows lie (empty: read through HDF5)
  std::vector<std::vector<io::h5::RowOffsets>> image_offsets_;
};

}  // namespace mnemo::data
