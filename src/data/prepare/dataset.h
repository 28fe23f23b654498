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
  /// Optional per-row order keys of the time-ordered scenario (empty: none):
  /// a time stamp, and a task id.
  std::vector<double> time;
  std::vector<std::int64_t> task;
  std::int64_t count() const { return static_cast<std::int64_t>(labels.size()); }
  std::int64_t sample_size() const;  ///< bytes
};

/// The sample shape of a [N, ...] array: [N, D] features -> {D}; [N, H, W]
/// -> {1, H, W}; [N, H, W, C] (or [N, C, H, W] when `nchw`) -> {C, H, W};
/// higher ranks as stored.
std::vector<std::int64_t> sample_shape_of(const std::vector<std::int64_t>& array_shape, bool nchw);

/// [N, H, W, C] -> [N, C, H, W], elements of `es` bytes.
std::vector<std::uint8_t> nhwc_to_nchw(const std::vector<std::uint8_t>& raw, std::int64_t n, std::int64_t c,
                                       std::int64_t h, std::int64_t w, std::int64_t es);

/// The most classes a stream holds (its class lists are HDF5 attributes,
/// which are limited to 64 KiB).
inline constexpr std::int64_t kMaxClasses = 8000;

/// InputError naming `what`[i] for a label outside [0, kMaxClasses).
void check_labels(const std::vector<std::int64_t>& labels, const std::string& what);

/// Throws InputError naming `what` and the row of the first NaN or
/// infinite value of `count` float32 values, `per_row` to a row.
void check_finite(const float* values, std::int64_t count, std::int64_t per_row, const std::string& what);

/// Rows `rows` of `in`, in that order (with their order keys).
LabeledImages take_rows(const LabeledImages& in, const std::vector<std::int64_t>& rows);

struct SourceDataset {
  std::string name;            ///< e.g. "fashion-mnist", "synthetic"
  LabeledImages train, test;
  std::int64_t num_classes = 0;
  nlohmann::json provenance;   ///< source files, checksums, generator settings
};

}  // namespace mnemo::data
