// Implements: the CIFAR binary loader.
#include "data/prepare/cifar_source.h"

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "data/io/checksum.h"

namespace mnemo::data {

namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kPixels = 3 * 32 * 32;

void append_batch(const std::string& path, int label_bytes, std::int64_t classes, LabeledImages& out,
                  nlohmann::json& files) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError(with_hint("CIFAR batch " + path + " not found",
                               "pass --input the directory of the *binary* CIFAR distribution (cifar-10-batches-bin)"));
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  const std::int64_t record = label_bytes + kPixels;
  if (bytes.empty() || static_cast<std::int64_t>(bytes.size()) % record != 0) {
    throw InputError(with_hint("CIFAR batch " + path + " has " + std::to_string(bytes.size()) +
                                   " bytes, not a whole number of " + std::to_string(record) + "-byte records",
                               "the file is truncated or not a CIFAR binary batch; download it again"));
  }
  const std::int64_t n = static_cast<std::int64_t>(bytes.size()) / record;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto* r = reinterpret_cast<const std::uint8_t*>(bytes.data() + i * record);
    const std::int64_t label = r[label_bytes - 1];
    if (label >= classes) {
      throw InputError(path + ": record " + std::to_string(i) + " has label " + std::to_string(label) +
                       ", outside [0, " + std::to_string(classes) + ")");
    }
    out.labels.push_back(label);
    out.images.insert(out.images.end(), r + label_bytes, r + record);
  }
  files.push_back({{"path", fs::absolute(path).string()}, {"sha256", io::sha256_file(path)}});
}

}  // namespace

SourceDataset load_cifar_dataset(const std::string& dir, const std::string& variant) {
  if (!fs::is_directory(dir)) throw InputError(with_hint("dataset directory " + dir + " does not exist", "pass --input DIR"));
  const bool c100 = variant == "cifar100";
  SourceDataset ds;
  ds.name = variant;
  ds.num_classes = c100 ? 100 : 10;
  ds.train.image_shape = ds.test.image_shape = {3, 32, 32};
  nlohmann::json files = nlohmann::json::array();
  const int label_bytes = c100 ? 2 : 1;
  if (c100) {
    append_batch((fs::path(dir) / "train.bin").string(), label_bytes, ds.num_classes, ds.train, files);
    append_batch((fs::path(dir) / "test.bin").string(), label_bytes, ds.num_classes, ds.test, files);
  } else {
    for (int b = 1; b <= 5; ++b) {
      append_batch((fs::path(dir) / ("data_batch_" + std::to_string(b) + ".bin")).string(), label_bytes,
                   ds.num_classes, ds.train, files);
    }
    append_batch((fs::path(dir) / "test_batch.bin").string(), label_bytes, ds.num_classes, ds.test, files);
  }
  ds.provenance = {{"source", variant}, {"directory", fs::absolute(dir).string()}, {"files", files}};
  return ds;
}

}  // namespace mnemo::data
