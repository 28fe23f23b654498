// Implements: permute_pixels and rotate.
#include "data/prepare/transforms.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace mnemo::data {

std::int64_t permuted_positions(const LabeledImages& in) {
  std::int64_t n = 1;
  for (std::size_t d = in.image_shape.size() == 3 ? 1 : 0; d < in.image_shape.size(); ++d) n *= in.image_shape[d];
  return n;
}

LabeledImages permute_pixels(const LabeledImages& in, const std::vector<std::int64_t>& perm) {
  const std::int64_t hw = permuted_positions(in), es = element_bytes(in.type);
  const std::int64_t c = in.sample_size() / (hw * es);
  MNEMO_ASSERT(static_cast<std::int64_t>(perm.size()) == hw, "permutation size differs from H*W");
  LabeledImages out = in;
  for (std::int64_t i = 0; i < in.count(); ++i) {
    for (std::int64_t ch = 0; ch < c; ++ch) {
      const std::uint8_t* src = in.images.data() + (i * c + ch) * hw * es;
      std::uint8_t* dst = out.images.data() + (i * c + ch) * hw * es;
      for (std::int64_t p = 0; p < hw; ++p) std::copy_n(src + perm[p] * es, es, dst + p * es);
    }
  }
  return out;
}

LabeledImages rotate(const LabeledImages& in, double degrees) {
  if (in.type != SampleType::kUInt8 || in.image_shape.size() != 3) {
    throw UsageError(with_hint("--scenario rotated needs 8-bit images [C, H, W]; this source holds " +
                                   SampleFormat{in.type, in.image_shape, {}, {}, {}}.describe() + " samples",
                               "use --scenario permuted or time-ordered for feature streams"));
  }
  const std::int64_t c = in.image_shape[0], h = in.image_shape[1], w = in.image_shape[2];
  const double a = degrees * M_PI / 180.0, cs = std::cos(a), sn = std::sin(a);
  const double cy = (h - 1) / 2.0, cx = (w - 1) / 2.0;
  LabeledImages out = in;
  for (std::int64_t i = 0; i < in.count(); ++i) {
    for (std::int64_t ch = 0; ch < c; ++ch) {
      const std::uint8_t* src = in.images.data() + (i * c + ch) * h * w;
      std::uint8_t* dst = out.images.data() + (i * c + ch) * h * w;
      for (std::int64_t y = 0; y < h; ++y) {
        for (std::int64_t x = 0; x < w; ++x) {
          // Inverse mapping: where in the source does output (x, y) come from?
          const double dx = x - cx, dy = y - cy;
          const double sx = cs * dx - sn * dy + cx, sy = sn * dx + cs * dy + cy;
          const auto x0 = static_cast<std::int64_t>(std::floor(sx)), y0 = static_cast<std::int64_t>(std::floor(sy));
          const double fx = sx - x0, fy = sy - y0;
          auto px = [&](std::int64_t yy, std::int64_t xx) -> double {
            return (yy < 0 || yy >= h || xx < 0 || xx >= w) ? 0.0 : src[yy * w + xx];
          };
          const double v = (1 - fy) * ((1 - fx) * px(y0, x0) + fx * px(y0, x0 + 1)) +
                           fy * ((1 - fx) * px(y0 + 1, x0) + fx * px(y0 + 1, x0 + 1));
          dst[y * w + x] = static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0, 255.0)));
        }
      }
    }
  }
  return out;
}

}  // namespace mnemo::data
