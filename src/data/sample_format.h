// Implements: what one sample of a stream is: its element type, its shape
//   and the normalisation its model input gets.
//   - uint8 samples are 8-bit images (the model sees value / 255); float16
//     and float32 samples are features of any shape, taken as they are.
//   - Normalisation (optional): x' = (x - mean) / std per channel (dim 0 of a
//     [C, H, W] sample) or per element (any other shape), computed by
//     `mnemo prepare` from training rows only and stored in the manifest.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/io/h5.h"

namespace mnemo::data {

enum class SampleType { kUInt8, kFloat16, kFloat32 };

const char* sample_type_name(SampleType type);
/// "uint8" | "float16" | "float32"; InputError naming `where` otherwise.
SampleType parse_sample_type(const std::string& name, const std::string& where);
std::int64_t element_bytes(SampleType type);
/// The HDF5 element type samples of `type` are stored as.
hid_t h5_type(SampleType type);

/// `count` elements of `type` at `bytes`, widened to float (uint8 as 0..255).
void widen_to_float(SampleType type, const std::uint8_t* bytes, std::int64_t count, float* out);

struct SampleFormat {
  SampleType type = SampleType::kUInt8;
  std::vector<std::int64_t> shape;  ///< of one sample: {C, H, W} for images, {D} for feature vectors
  std::vector<double> mean, std;    ///< empty: not normalised; else one per normalisation group
  std::string norm_source;          ///< which training rows the statistics came from ("first-task", ...)

  std::int64_t elements() const;
  std::int64_t bytes() const { return elements() * element_bytes(type); }
  /// How many (mean, std) pairs a normalisation of this shape has: C for a
  /// [C, H, W] sample, else one per element.
  std::int64_t norm_groups() const;
  bool normalised() const { return !mean.empty(); }
  /// "uint8 1x28x28", "float32 64".
  std::string describe() const;
};

}  // namespace mnemo::data
