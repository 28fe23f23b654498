// Implements: the element type a stream stores and the statistics of its
//   normalisation, both decided at prepare time.
//   - convert_samples: --dtype. uint8 -> float stores value / 255 (the same
//     model input); float -> uint8 needs values in [0, 1] (stored as
//     round(255 x)); float32 -> float16 rounds to nearest even and refuses
//     values beyond float16's range. Nothing changes silently: each
//     conversion is one the user asked for.
//   - NormStats: per-group (channel of a [C, H, W] sample, else element)
//     mean and standard deviation of the model input (uint8 / 255, floats as
//     stored) over the rows it is given, in double precision.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/prepare/dataset.h"
#include "data/sample_format.h"

namespace mnemo::data {

/// `in` stored as `to`; InputError naming `what` and the first offending
/// row when a value cannot be represented.
LabeledImages convert_samples(const LabeledImages& in, SampleType to, const std::string& what);

/// The model-input value of element `i` of a buffer of `type` (uint8 / 255).
float model_value(SampleType type, const std::uint8_t* bytes, std::int64_t i);

class NormStats {
 public:
  explicit NormStats(const SampleFormat& format);
  /// Adds rows `rows` of `samples` (which have the format's type and shape).
  void add(const LabeledImages& samples, const std::vector<std::int64_t>& rows);
  std::int64_t rows() const { return rows_; }
  /// Population mean and std per group; a constant group gets std 1 (it
  /// is then only centred).
  void finish(std::vector<double>& mean, std::vector<double>& std) const;

 private:
  SampleFormat format_;
  std::int64_t rows_ = 0;
  std::vector<double> mean_, m2_;  // Welford's running mean and sum of squared deviations
  std::vector<std::int64_t> count_;
};

}  // namespace mnemo::data
