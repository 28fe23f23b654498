// Implements: writing a class-incremental task stream as HDF5 shards.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace mnemo::data {

struct StreamLayout {
  int shards = 2;                ///< number of shard files K
  std::int64_t chunk_rows = 256; ///< HDF5 chunk size along the sample axis
  int deflate = 4;               ///< gzip level for images (0: none)
};

/// Writes `source` cut into tasks (`tasks[t]` = classes of task t) under
/// `dir`. Samples of a task are shuffled with `seed`. The stream is written
/// into a temporary sibling directory and renamed into place, so `dir` is
/// either absent or complete. An existing `dir` is an error unless `overwrite`.
void write_class_incremental_stream(const std::string& dir, const SourceDataset& source,
                                    const std::vector<std::vector<std::int64_t>>& tasks,
                                    const std::vector<std::int64_t>& class_order, std::uint64_t seed,
                                    const StreamLayout& layout, bool overwrite);

}  // namespace mnemo::data
