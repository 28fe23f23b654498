// Implements: the IDX dataset loader.
#include "data/idx_source.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "data/io/checksum.h"
#include "data/io/idx.h"

namespace mnemo::data {

namespace fs = std::filesystem;

namespace {

std::string find_file(const std::string& dir, const std::string& stem) {
  for (const std::string& name : {stem + ".gz", stem}) {
    const fs::path p = fs::path(dir) / name;
    if (fs::exists(p)) return p.string();
  }
  throw InputError(with_hint("IDX file " + (fs::path(dir) / stem).string() + "(.gz) not found",
                             "the directory needs train-images-idx3-ubyte, train-labels-idx1-ubyte, "
                             "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (optionally .gz)"));
}

LabeledImages load_split(const std::string& dir, const std::string& prefix, nlohmann::json& files) {
  const std::string ipath = find_file(dir, prefix + "-images-idx3-ubyte");
  const std::string lpath = find_file(dir, prefix + "-labels-idx1-ubyte");
  io::IdxArray images = io::read_idx(ipath);
  io::IdxArray labels = io::read_idx(lpath);
  if (images.shape.size() != 3) {
    throw InputError("IDX file " + ipath + " has " + std::to_string(images.shape.size()) +
                     " dimensions; image files must be N x H x W");
  }
  if (labels.shape.size() != 1) {
    throw InputError("IDX file " + lpath + " has " + std::to_string(labels.shape.size()) +
                     " dimensions; label files must be 1-dimensional");
  }
  if (images.count() != labels.count()) {
    throw InputError(with_hint("IDX files disagree: " + ipath + " holds " + std::to_string(images.count()) +
                                   " images but " + lpath + " holds " + std::to_string(labels.count()) + " labels",
                               "the two files come from different datasets or one is damaged"));
  }
  for (const auto& p : {ipath, lpath}) {
    files.push_back({{"path", fs::absolute(p).string()}, {"sha256", io::sha256_file(p)}});
  }
  LabeledImages out;
  out.image_shape = {1, images.shape[1], images.shape[2]};
  out.images = std::move(images.data);
  out.labels.assign(labels.data.begin(), labels.data.end());
  return out;
}

}  // namespace

SourceDataset load_idx_dataset(const std::string& dir, const std::string& name) {
  if (!fs::is_directory(dir)) {
    throw InputError(with_hint("dataset directory " + dir + " does not exist",
                               "for Fashion-MNIST: apt-get install dataset-fashion-mnist, or pass --input DIR"));
  }
  SourceDataset ds;
  ds.name = name;
  nlohmann::json files = nlohmann::json::array();
  ds.train = load_split(dir, "train", files);
  ds.test = load_split(dir, "t10k", files);
  if (ds.train.image_shape != ds.test.image_shape) {
    throw InputError("IDX files in " + dir + ": train and test images have different sizes");
  }
  std::int64_t max_label = 0;
  for (auto l : ds.train.labels) max_label = std::max(max_label, l);
  for (auto l : ds.test.labels) max_label = std::max(max_label, l);
  ds.num_classes = max_label + 1;
  ds.provenance = {{"source", "idx"}, {"directory", fs::absolute(dir).string()}, {"files", files}};
  return ds;
}

}  // namespace mnemo::data
