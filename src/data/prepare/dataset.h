// Implements: the in-memory form of a labelled image dataset, as read from a
//   source (IDX, synthetic) before it is cut into a task stream.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/sample_format.h"

namespace mnemo::data {

struct LabeledImages {
  SampleType type = SampleType::kUInt8;
  std::vector<std::int64_t> image_shape;  ///< of one sample: {C, H, W} for images, any for features
  std::vector<std::uint8_t> images;       ///< count() * sample_size() bytes, row-major (NCHW)
  std::vector<std::int64_t> labels;
  std::int64_t count() const { return static_cast<std::int64_t>(labels.size()); }
  std::int64_t sample_size() const;  ///< bytes
};

struct SourceDataset {
  std::string name;            ///< e.g. "fashion-mnist", "synthetic"
  LabeledImages train, test;
  std::int64_t num_classes = 0;
  nlohmann::json provenance;   ///< source files, checksums, generator settings
};

}  // namespace mnemo::data
