// Implements: LabeledImages' helpers (see dataset.h).
#include "data/prepare/dataset.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace mnemo::data {

std::int64_t LabeledImages::sample_size() const {
  std::int64_t s = 1;
  for (auto d : image_shape) s *= d;
  return s * element_bytes(type);
}

std::vector<std::int64_t> sample_shape_of(const std::vector<std::int64_t>& shape, bool nchw) {
  if (shape.size() == 2) return {shape[1]};
  if (shape.size() == 3) return {1, shape[1], shape[2]};
  if (shape.size() == 4) return nchw ? std::vector<std::int64_t>{shape[1], shape[2], shape[3]}
                                     : std::vector<std::int64_t>{shape[3], shape[1], shape[2]};
  return {shape.begin() + 1, shape.end()};
}

std::vector<std::uint8_t> nhwc_to_nchw(const std::vector<std::uint8_t>& raw, std::int64_t n, std::int64_t c,
                                       std::int64_t h, std::int64_t w, std::int64_t es) {
  std::vector<std::uint8_t> out(raw.size());
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t y = 0; y < h; ++y) {
      for (std::int64_t x = 0; x < w; ++x) {
        for (std::int64_t ch = 0; ch < c; ++ch) {
          std::copy_n(raw.begin() + (((i * h + y) * w + x) * c + ch) * es, es,
                      out.begin() + (((i * c + ch) * h + y) * w + x) * es);
        }
      }
    }
  }
  return out;
}

void check_labels(const std::vector<std::int64_t>& labels, const std::string& what) {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= kMaxClasses) {
      throw InputError(with_hint(what + "[" + std::to_string(i) + "] is " + std::to_string(labels[i]) +
                                     ", not a class id in [0, " + std::to_string(kMaxClasses) + ")",
                                 "labels must be class indices 0, 1, ...: renumber the classes first"));
    }
  }
}

void check_finite(const float* values, std::int64_t count, std::int64_t per_row, const std::string& what) {
  for (std::int64_t i = 0; i < count; ++i) {
    if (!std::isfinite(values[i])) {
      throw InputError(with_hint(what + " row " + std::to_string(i / per_row) + " (element " +
                                     std::to_string(i % per_row) + ") is " +
                                     (std::isnan(values[i]) ? "NaN" : "infinite or beyond float32's range"),
                                 "remove or impute missing values before preparing the stream"));
    }
  }
}

LabeledImages take_rows(const LabeledImages& in, const std::vector<std::int64_t>& rows) {
  LabeledImages out;
  out.type = in.type;
  out.image_shape = in.image_shape;
  const std::int64_t ss = in.sample_size();
  out.images.reserve(rows.size() * static_cast<std::size_t>(ss));
  for (const std::int64_t r : rows) {
    out.images.insert(out.images.end(), in.images.begin() + r * ss, in.images.begin() + (r + 1) * ss);
    out.labels.push_back(in.labels[static_cast<std::size_t>(r)]);
    if (!in.time.empty()) out.time.push_back(in.time[static_cast<std::size_t>(r)]);
    if (!in.task.empty()) out.task.push_back(in.task[static_cast<std::size_t>(r)]);
  }
  return out;
}

}  // namespace mnemo::data
