// Implements: sample conversion and normalisation statistics (see sample_convert.h).
#include "data/prepare/sample_convert.h"

#include <cmath>
#include <cstring>
#include <algorithm>

#include "core/error.h"
#include "core/half.h"

namespace mnemo::data {

namespace {

constexpr float kHalfMax = 65504.0f;

void put(SampleType type, std::uint8_t* bytes, std::int64_t i, float v) {
  switch (type) {
    case SampleType::kUInt8: bytes[i] = static_cast<std::uint8_t>(std::lround(v * 255.0f)); return;
    case SampleType::kFloat16: {
      const std::uint16_t h = float_to_half(v);
      std::memcpy(bytes + 2 * i, &h, 2);
      return;
    }
    case SampleType::kFloat32: std::memcpy(bytes + 4 * i, &v, 4); return;
  }
}

}  // namespace

float model_value(SampleType type, const std::uint8_t* bytes, std::int64_t i) {
  float v = 0;
  widen_to_float(type, bytes + i * element_bytes(type), 1, &v);
  return type == SampleType::kUInt8 ? v / 255.0f : v;
}

LabeledImages convert_samples(const LabeledImages& in, SampleType to, const std::string& what) {
  if (in.type == to) return in;
  LabeledImages out = in;
  out.type = to;
  const std::int64_t per_row = in.sample_size() / element_bytes(in.type);
  const std::int64_t n = in.count() * per_row;
  out.images.assign(static_cast<std::size_t>(n * element_bytes(to)), 0);
  for (std::int64_t i = 0; i < n; ++i) {
    const float v = model_value(in.type, in.images.data(), i);
    const bool fits = to == SampleType::kUInt8 ? v >= 0.0f && v <= 1.0f
                      : to == SampleType::kFloat16 ? std::fabs(v) <= kHalfMax
                                                   : true;
    if (!fits) {
      throw InputError(with_hint(what + ": row " + std::to_string(i / per_row) + " has the value " +
                                     std::to_string(v) + ", which --dtype " + sample_type_name(to) +
                                     " cannot hold" + (to == SampleType::kUInt8 ? " (uint8 stores [0, 1] as 0..255)" : ""),
                                 "keep the source's type (--dtype auto), or choose --dtype float32"));
    }
    put(to, out.images.data(), i, v);
  }
  return out;
}

NormStats::NormStats(const SampleFormat& format) : format_(format) {
  const auto g = static_cast<std::size_t>(format.norm_groups());
  mean_.assign(g, 0.0);
  m2_.assign(g, 0.0);
  count_.assign(g, 0);
}

void NormStats::add(const LabeledImages& samples, const std::vector<std::int64_t>& rows) {
  const std::int64_t per_row = format_.elements(), groups = format_.norm_groups();
  const std::int64_t per_group = per_row / groups;  // H*W for images, 1 for features
  const double scale = samples.type == SampleType::kUInt8 ? 1.0 / 255.0 : 1.0;
  std::vector<float> row(static_cast<std::size_t>(per_row));
  for (const std::int64_t r : rows) {
    widen_to_float(samples.type, samples.images.data() + r * samples.sample_size(), per_row, row.data());
    for (std::int64_t e = 0; e < per_row; ++e) {  // Welford: no cancellation for large offsets
      const double v = row[static_cast<std::size_t>(e)] * scale;
      const auto g = static_cast<std::size_t>(e / per_group);
      const double d = v - mean_[g];
      mean_[g] += d / static_cast<double>(++count_[g]);
      m2_[g] += d * (v - mean_[g]);
    }
    ++rows_;
  }
}

void NormStats::finish(std::vector<double>& mean, std::vector<double>& std) const {
  mean = mean_;
  std.assign(mean_.size(), 1.0);
  for (std::size_t g = 0; g < mean_.size(); ++g) {
    if (count_[g] == 0) continue;
    const double sd = std::sqrt(m2_[g] / static_cast<double>(count_[g]));
    std[g] = sd > 1e-6 * std::max(1.0, std::fabs(mean_[g])) ? sd : 1.0;
  }
}

}  // namespace mnemo::data
