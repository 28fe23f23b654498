// Implements: writing a task stream as HDF5 shards (layout: stream_format.h).
//   Tasks are built one at a time by a callback and written straight into
//   the K shard files, so a 20-task permuted stream never sits in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/options.h"
#include "data/prepare/dataset.h"

namespace mnemo::data {

struct StreamLayout {
  int shards = 2;                ///< number of shard files K
  std::int64_t chunk_rows = 256; ///< HDF5 chunk size along the sample axis
  int deflate = 0;               ///< gzip level for images (0: none: every rank reads every row, and inflating costs more than it saves)
  void declare(OptionTable& table);
};

/// One task, as the writer receives it (samples not yet shuffled).
struct TaskContent {
  std::vector<std::int64_t> classes;
  LabeledImages train, test;
  std::vector<std::int64_t> permutation;  ///< permuted scenario: pixel permutation applied
  double angle_degrees = 0;               ///< rotated scenario: rotation applied
};

/// What is known of the stream before its tasks are built.
struct StreamHeader {
  std::string dataset;
  std::string scenario;                   ///< class-incremental | task-incremental | permuted | rotated
  std::int64_t num_tasks = 0;
  std::int64_t num_classes = 0;
  /// Type and shape of the samples; norm_source "first-task" or "all-tasks"
  /// asks for normalisation statistics from those tasks' training rows
  /// (validation rows excluded), "" for none. The writer computes them.
  SampleFormat sample;
  std::vector<std::int64_t> class_order;
  std::uint64_t seed = 0;
  nlohmann::json provenance;
  /// Fraction of each task's training samples held out as its validation
  /// split (seeded, after the shuffle); 0: none.
  double val_fraction = 0;
};

/// Writes the stream under `dir`; `build(t)` returns task t. Samples of each
/// task are shuffled with the seed. Written into a temporary sibling and
/// renamed into place, so `dir` is either absent or complete. An existing
/// `dir` is an error unless `overwrite`.
void write_stream(const std::string& dir, const StreamHeader& header,
                  const std::function<TaskContent(std::int64_t)>& build, const StreamLayout& layout, bool overwrite);

/// The rows of `split` whose labels are in `classes`, as a dataset.
LabeledImages select_classes(const LabeledImages& split, const std::vector<std::int64_t>& classes);

/// Class-incremental convenience: `source` cut into tasks (`tasks[t]` = its classes).
void write_class_incremental_stream(const std::string& dir, const SourceDataset& source,
                                    const std::vector<std::vector<std::int64_t>>& tasks,
                                    const std::vector<std::int64_t>& class_order, std::uint64_t seed,
                                    const StreamLayout& layout, bool overwrite);

}  // namespace mnemo::data
