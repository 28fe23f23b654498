// Implements: the NumPy source (see numpy_source.h).
#include "data/prepare/numpy_source.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>

#include "core/error.h"
#include "data/io/checksum.h"
#include "data/io/npy.h"
#include "data/prepare/sample_convert.h"

namespace mnemo::data {

namespace fs = std::filesystem;

namespace {

constexpr const char* kKeys[] = {"x_train", "y_train", "x_test", "y_test"};

LabeledImages samples_of(const io::NpyArray& x, const io::NpyArray& y, bool nchw) {
  if (x.shape.size() < 2) {
    throw InputError(with_hint(x.origin + " has shape of rank " + std::to_string(x.shape.size()) +
                                   "; expected one sample per row: [N, D], [N, H, W] or [N, H, W, C]",
                               "reshape it to [N, ...]"));
  }
  if (y.shape.size() != 1 || y.shape[0] != x.shape[0]) {
    throw InputError(with_hint(y.origin + " must be 1-dimensional with one label per row of " + x.origin + " (" +
                                   std::to_string(x.shape[0]) + " rows)",
                               "sample and label counts differ"));
  }
  const std::int64_t n = x.shape[0];
  LabeledImages out;
  out.image_shape = sample_shape_of(x.shape, nchw);
  const bool bytes = x.type == io::NpyType::kUInt8;
  out.type = bytes ? SampleType::kUInt8 : SampleType::kFloat32;
  std::vector<std::uint8_t> raw;
  if (bytes) {
    raw = x.bytes;
  } else {
    const std::vector<float> f = io::to_float32(x);
    const std::int64_t per_row = n > 0 ? static_cast<std::int64_t>(f.size()) / n : 1;
    check_finite(f.data(), static_cast<std::int64_t>(f.size()), per_row, x.origin);
    raw.resize(f.size() * sizeof(float));
    std::memcpy(raw.data(), f.data(), raw.size());
  }
  const bool transpose = x.shape.size() == 4 && !nchw && out.image_shape[0] > 1;
  out.images = transpose ? nhwc_to_nchw(raw, n, out.image_shape[0], out.image_shape[1], out.image_shape[2],
                                        element_bytes(out.type))
                         : std::move(raw);
  out.labels = io::to_int64(y);
  check_labels(out.labels, y.origin);
  if (x.type == io::NpyType::kFloat16) out = convert_samples(out, SampleType::kFloat16, x.origin);
  return out;
}

}  // namespace

SourceDataset load_numpy_dataset(const std::string& path, const std::string& name, const std::string& layout) {
  std::map<std::string, io::NpyArray> arrays;
  nlohmann::json files = nlohmann::json::array();
  if (fs::is_directory(path)) {
    for (const char* key : kKeys) {
      const std::string file = (fs::path(path) / (std::string(key) + ".npy")).string();
      if (!fs::exists(file)) {
        throw InputError(with_hint(file + " is missing", "a NumPy source directory holds x_train.npy, y_train.npy, "
                                                         "x_test.npy and y_test.npy"));
      }
      arrays[key] = io::read_npy(file);
      files.push_back({{"path", fs::absolute(file).string()}, {"sha256", io::sha256_file(file)}});
    }
  } else {
    arrays = io::read_npz(path);
    for (const char* key : kKeys) {
      if (arrays.count(key) == 0) {
        std::string have;
        for (const auto& [k, v] : arrays) have += (have.empty() ? "" : ", ") + k;
        throw InputError(with_hint(path + " has no array '" + key + "' (it has: " + have + ")",
                                   "save it with np.savez(path, x_train=..., y_train=..., x_test=..., y_test=...)"));
      }
    }
    files.push_back({{"path", fs::absolute(path).string()}, {"sha256", io::sha256_file(path)}});
  }
  for (const char* key : {"x_train", "x_test"}) {
    const auto& shape = arrays.at(key).shape;
    if (!shape.empty() && shape[0] == 0) {
      throw InputError(with_hint(arrays.at(key).origin + " has no rows (shape [0, ...])",
                                 "save the arrays with their samples, one per row"));
    }
  }
  const bool nchw = layout == "nchw";
  SourceDataset ds;
  ds.name = name;
  ds.train = samples_of(arrays.at("x_train"), arrays.at("y_train"), nchw);
  ds.test = samples_of(arrays.at("x_test"), arrays.at("y_test"), nchw);
  if (ds.train.image_shape != ds.test.image_shape || ds.train.type != ds.test.type) {
    throw InputError(with_hint(path + ": x_train and x_test differ: " +
                                   SampleFormat{ds.train.type, ds.train.image_shape, {}, {}, {}}.describe() + " vs " +
                                   SampleFormat{ds.test.type, ds.test.image_shape, {}, {}, {}}.describe(),
                               "save both with the same feature width and dtype"));
  }
  std::int64_t max_label = 0;
  for (auto l : ds.train.labels) max_label = std::max(max_label, l);
  for (auto l : ds.test.labels) max_label = std::max(max_label, l);
  ds.num_classes = max_label + 1;
  ds.provenance = {{"source", "numpy"}, {"files", files}, {"layout", layout}};
  return ds;
}

}  // namespace mnemo::data
