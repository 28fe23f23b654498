// Implements: the user-HDF5 loader.
#include "data/prepare/hdf5_source.h"

#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "data/io/checksum.h"
#include "data/io/h5.h"

namespace mnemo::data {

namespace h5 = io::h5;

namespace {

LabeledImages load_split(const h5::Loc& root, const std::string& split, const std::string& layout) {
  const std::string ikey = split + "/images", lkey = split + "/labels";
  const auto shape = h5::dataset_shape(root, ikey);
  const auto lshape = h5::dataset_shape(root, lkey);
  if (shape.size() != 3 && shape.size() != 4) {
    throw InputError(with_hint(root.describe(ikey) + " has " + std::to_string(shape.size()) +
                                   " dimensions; expected [N, H, W] or [N, H, W, C] / [N, C, H, W]",
                               "reshape the images, or pass --hdf5-layout"));
  }
  if (lshape.size() != 1 || lshape[0] != shape[0]) {
    throw InputError(with_hint(root.describe(lkey) + " must be 1-dimensional with one label per image (" +
                                   std::to_string(shape[0]) + " images)",
                               "image and label counts differ"));
  }
  const std::int64_t n = shape[0];
  std::int64_t c = 1, h = shape[1], w = shape[2];
  const bool nchw = layout == "nchw";
  if (shape.size() == 4) {
    if (nchw) {
      c = shape[1], h = shape[2], w = shape[3];
    } else {
      h = shape[1], w = shape[2], c = shape[3];
    }
  }
  const std::int64_t ss = c * h * w;
  std::vector<std::uint8_t> raw(static_cast<std::size_t>(n * ss));
  if (h5::is_float_dataset(root, ikey)) {
    std::vector<float> f(raw.size());
    h5::read_rows(root, ikey, 0, n, f.data());
    for (std::size_t i = 0; i < f.size(); ++i) {
      if (!std::isfinite(f[i])) {
        throw InputError(root.describe(ikey) + "[" + std::to_string(static_cast<std::int64_t>(i) / ss) + "] contains " +
                         (std::isnan(f[i]) ? "NaN" : "Inf"));
      }
      if (f[i] < 0.0f || f[i] > 1.0f) {
        throw InputError(with_hint(root.describe(ikey) + "[" + std::to_string(static_cast<std::int64_t>(i) / ss) +
                                       "] has value " + std::to_string(f[i]) + " outside [0, 1]",
                                   "float images must be scaled to [0, 1] (or stored as uint8 0-255)"));
      }
      raw[i] = static_cast<std::uint8_t>(std::lround(f[i] * 255.0f));
    }
  } else {
    h5::read_rows(root, ikey, 0, n, raw.data());
  }
  LabeledImages out;
  out.image_shape = {c, h, w};
  out.labels.resize(static_cast<std::size_t>(n));
  h5::read_rows(root, lkey, 0, n, out.labels.data());
  for (std::int64_t i = 0; i < n; ++i) {
    if (out.labels[i] < 0) {
      throw InputError(root.describe(lkey) + "[" + std::to_string(i) + "] is negative (" +
                       std::to_string(out.labels[i]) + ")");
    }
  }
  if (nchw || c == 1) {
    out.images = std::move(raw);
  } else {  // NHWC -> NCHW
    out.images.resize(raw.size());
    for (std::int64_t i = 0; i < n; ++i) {
      for (std::int64_t y = 0; y < h; ++y) {
        for (std::int64_t x = 0; x < w; ++x) {
          for (std::int64_t ch = 0; ch < c; ++ch) {
            out.images[((i * c + ch) * h + y) * w + x] = raw[((i * h + y) * w + x) * c + ch];
          }
        }
      }
    }
  }
  return out;
}

}  // namespace

SourceDataset load_hdf5_dataset(const std::string& path, const std::string& name, const std::string& layout) {
  if (layout != "nhwc" && layout != "nchw") throw UsageError("--hdf5-layout must be nhwc or nchw");
  auto file = h5::File::open(path);
  h5::Loc root{file, file.id(), "/"};
  SourceDataset ds;
  ds.name = name;
  ds.train = load_split(root, "train", layout);
  ds.test = load_split(root, "test", layout);
  if (ds.train.image_shape != ds.test.image_shape) throw InputError(path + ": train and test images differ in shape");
  std::int64_t max_label = 0;
  for (auto l : ds.train.labels) max_label = std::max(max_label, l);
  for (auto l : ds.test.labels) max_label = std::max(max_label, l);
  ds.num_classes = max_label + 1;
  ds.provenance = {{"source", "hdf5"},
                   {"files", {{{"path", std::filesystem::absolute(path).string()}, {"sha256", io::sha256_file(path)}}}},
                   {"layout", layout}};
  return ds;
}

}  // namespace mnemo::data
