// Implements: the user-HDF5 loader.
#include "data/prepare/hdf5_source.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "data/io/checksum.h"
#include "data/io/h5.h"
#include "data/prepare/sample_convert.h"

namespace mnemo::data {

namespace h5 = io::h5;

namespace {

LabeledImages load_split(const h5::Loc& root, const std::string& split, const std::string& layout) {
  const std::string ikey = split + "/images", lkey = split + "/labels";
  const auto shape = h5::dataset_shape(root, ikey);
  const auto lshape = h5::dataset_shape(root, lkey);
  if (shape.size() < 2) {
    throw InputError(with_hint(root.describe(ikey) + " has " + std::to_string(shape.size()) +
                                   " dimension(s); expected one sample per row: [N, D] features, [N, H, W] or "
                                   "[N, H, W, C] / [N, C, H, W] images",
                               "reshape it to [N, ...]"));
  }
  if (lshape.size() != 1 || lshape[0] != shape[0]) {
    throw InputError(with_hint(root.describe(lkey) + " must be 1-dimensional with one label per sample (" +
                                   std::to_string(shape[0]) + " samples)",
                               "sample and label counts differ"));
  }
  const std::int64_t n = shape[0];
  const bool nchw = layout == "nchw";
  LabeledImages out;
  out.image_shape = sample_shape_of(shape, nchw);
  const h5::ElementType stored = h5::dataset_element_type(root, ikey);
  const bool bytes = !stored.is_float && !stored.is_signed && stored.bytes == 1;
  out.type = bytes ? SampleType::kUInt8 : SampleType::kFloat32;  // other integers and floats: float32
  const std::int64_t ss = out.sample_size(), per_row = ss / element_bytes(out.type);
  std::vector<std::uint8_t> raw(static_cast<std::size_t>(n * ss));
  h5::read_rows_typed(root, ikey, 0, n, raw.data(), bytes ? H5T_NATIVE_UINT8 : H5T_NATIVE_FLOAT);
  if (!bytes) check_finite(reinterpret_cast<const float*>(raw.data()), n * per_row, per_row, root.describe(ikey));
  if (h5::dataset_element_type(root, lkey).is_float) {
    throw InputError(with_hint(root.describe(lkey) + " holds floating-point values; labels are integer class ids",
                               "write them as integers: labels.astype(np.int64)"));
  }
  out.labels.resize(static_cast<std::size_t>(n));
  h5::read_rows(root, lkey, 0, n, out.labels.data());
  check_labels(out.labels, root.describe(lkey));
  const bool transpose = shape.size() == 4 && !nchw && out.image_shape[0] > 1;
  out.images = transpose ? nhwc_to_nchw(raw, n, out.image_shape[0], out.image_shape[1], out.image_shape[2],
                                        element_bytes(out.type))
                         : std::move(raw);
  // A float16 dataset stays float16 (its values are exact in it).
  if (stored.is_float && stored.bytes == 2) out = convert_samples(out, SampleType::kFloat16, root.describe(ikey));
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
  if (ds.train.image_shape != ds.test.image_shape || ds.train.type != ds.test.type) {
    throw InputError(with_hint(path + ": train and test samples differ: " +
                                   SampleFormat{ds.train.type, ds.train.image_shape, {}, {}, {}}.describe() + " vs " +
                                   SampleFormat{ds.test.type, ds.test.image_shape, {}, {}, {}}.describe(),
                               "store both splits with the same feature width and type"));
  }
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
