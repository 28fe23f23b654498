// Implements: the IDX dataset loader.
#include "data/prepare/idx_source.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <vector>

#include "core/error.h"
#include "data/io/checksum.h"
#include "data/io/idx.h"

namespace mnemo::data {

namespace fs = std::filesystem;

void IdxOptions::declare(OptionTable& t) {
  t.add("idx-prefix", prefix, "idx source: file-name prefix, e.g. emnist-balanced- (auto: the directory's only one)");
  t.add("idx-transpose", transpose, "idx source: transpose each image: auto (yes for EMNIST prefixes) | yes | no")
      .check([this] { return transpose == "auto" || transpose == "yes" || transpose == "no" ? "" : "must be auto, yes or no"; });
}

namespace {

const char* const kTrainImages = "train-images-idx3-ubyte";

std::string find_file(const std::string& dir, const std::string& prefix, const std::vector<std::string>& stems) {
  for (const auto& stem : stems) {
    const fs::path gz = fs::path(dir) / (prefix + stem + ".gz"), raw = fs::path(dir) / (prefix + stem);
    if (fs::exists(gz) && fs::exists(raw)) {
      spdlog::warn("both {} and {}.gz exist; reading {}.gz (its SHA-256 goes into the provenance): remove one to "
                   "choose the other",
                   raw.string(), raw.string(), raw.string());
    }
    if (fs::exists(gz)) return gz.string();
    if (fs::exists(raw)) return raw.string();
  }
  throw InputError(with_hint("IDX file " + (fs::path(dir) / (prefix + stems.front())).string() + "(.gz) not found",
                             "the directory needs " + prefix + "train-images-idx3-ubyte, " + prefix +
                                 "train-labels-idx1-ubyte, " + prefix + "t10k-images-idx3-ubyte and " + prefix +
                                 "t10k-labels-idx1-ubyte (t10k may be 'test'; each optionally .gz)"));
}

// The prefixes of the training image files in `dir` ("" for MNIST names).
std::vector<std::string> prefixes_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0) name.resize(name.size() - 3);
    const std::string suffix = kTrainImages;
    if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      const std::string prefix = name.substr(0, name.size() - suffix.size());
      if (std::find(out.begin(), out.end(), prefix) == out.end()) out.push_back(prefix);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string resolve_prefix(const std::string& dir, const IdxOptions& o) {
  if (o.prefix != "auto") return o.prefix;
  const auto found = prefixes_in(dir);
  if (found.size() == 1) return found.front();
  if (found.empty()) return "";  // find_file names the missing file
  std::string list;
  for (const auto& p : found) list += (list.empty() ? "'" : ", '") + p + "'";
  throw UsageError(with_hint("IDX directory " + dir + " holds several datasets (file prefixes " + list + ")",
                             "choose one with --idx-prefix, e.g. --idx-prefix " + found.back()));
}

void transpose_images(std::vector<std::uint8_t>& images, std::int64_t h, std::int64_t w) {
  std::vector<std::uint8_t> one(static_cast<std::size_t>(h * w));
  for (std::size_t base = 0; base < images.size(); base += one.size()) {
    std::copy_n(images.begin() + static_cast<std::ptrdiff_t>(base), one.size(), one.begin());
    for (std::int64_t r = 0; r < h; ++r) {
      for (std::int64_t c = 0; c < w; ++c) images[base + static_cast<std::size_t>(r * w + c)] = one[c * h + r];
    }
  }
}

LabeledImages load_split(const std::string& dir, const std::string& prefix, bool train, bool transpose,
                         nlohmann::json& files) {
  const std::vector<std::string> names = train ? std::vector<std::string>{"train"}
                                               : std::vector<std::string>{"t10k", "test"};
  std::vector<std::string> image_stems, label_stems;
  for (const auto& n : names) {
    image_stems.push_back(n + "-images-idx3-ubyte");
    label_stems.push_back(n + "-labels-idx1-ubyte");
  }
  const std::string ipath = find_file(dir, prefix, image_stems);
  const std::string lpath = find_file(dir, prefix, label_stems);
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
  if (transpose) {  // stored column by column (EMNIST): square images only
    if (images.shape[1] != images.shape[2]) {
      throw InputError(with_hint("IDX file " + ipath + " holds " + std::to_string(images.shape[1]) + "x" +
                                     std::to_string(images.shape[2]) + " images, which cannot be transposed in place",
                                 "pass --idx-transpose no"));
    }
    transpose_images(out.images, images.shape[1], images.shape[2]);
  }
  out.labels.assign(labels.data.begin(), labels.data.end());
  return out;
}

}  // namespace

SourceDataset load_idx_dataset(const std::string& dir, const std::string& name, const IdxOptions& o) {
  if (!fs::is_directory(dir)) {
    throw InputError(with_hint("dataset directory " + dir + " does not exist",
                               "for Fashion-MNIST: apt-get install dataset-fashion-mnist, or pass --input DIR"));
  }
  if (o.transpose != "auto" && o.transpose != "yes" && o.transpose != "no") {
    throw UsageError(with_hint("unknown --idx-transpose '" + o.transpose + "'", "use auto, yes or no"));
  }
  const std::string prefix = resolve_prefix(dir, o);
  const bool transpose = o.transpose == "yes" || (o.transpose == "auto" && prefix.rfind("emnist", 0) == 0);
  SourceDataset ds;
  ds.name = name;
  nlohmann::json files = nlohmann::json::array();
  ds.train = load_split(dir, prefix, /*train=*/true, transpose, files);
  ds.test = load_split(dir, prefix, /*train=*/false, transpose, files);
  if (ds.train.image_shape != ds.test.image_shape) {
    throw InputError("IDX files in " + dir + ": train and test images have different sizes");
  }
  // Renumber labels to 0..K-1 when they do not run so already.
  std::set<std::int64_t> seen(ds.train.labels.begin(), ds.train.labels.end());
  seen.insert(ds.test.labels.begin(), ds.test.labels.end());
  const std::vector<std::int64_t> original(seen.begin(), seen.end());
  ds.num_classes = static_cast<std::int64_t>(original.size());
  ds.provenance = {{"source", "idx"}, {"directory", fs::absolute(dir).string()}, {"prefix", prefix},
                   {"transposed", transpose}, {"files", files}};
  if (!original.empty() && original.back() - original.front() + 1 != ds.num_classes) {
    // A gap: a stray label (200 in a 10-class set) would silently become a class of its own.
    std::size_t gap = 1;
    while (original[gap] == original[gap - 1] + 1) ++gap;
    const std::int64_t stray = original[gap];
    const bool in_train = std::find(ds.train.labels.begin(), ds.train.labels.end(), stray) != ds.train.labels.end();
    const auto& rows = in_train ? ds.train.labels : ds.test.labels;
    const auto first = std::find(rows.begin(), rows.end(), stray) - rows.begin();
    const auto count = std::count(ds.train.labels.begin(), ds.train.labels.end(), stray) +
                       std::count(ds.test.labels.begin(), ds.test.labels.end(), stray);
    throw InputError(with_hint(
        "IDX labels in " + dir + " skip classes " + std::to_string(original[gap - 1] + 1) + ".." +
            std::to_string(stray - 1) + ": label " + std::to_string(stray) + " appears in " + std::to_string(count) +
            " row(s), the first at row " + std::to_string(first) + " of " +
            files.at(in_train ? 1 : 3).at("path").get<std::string>() + " (" + std::to_string(ds.num_classes) +
            " distinct labels from " + std::to_string(original.front()) + " to " + std::to_string(original.back()) +
            ")",
        "a damaged or stray label? Labels must run without gaps from the smallest (EMNIST letters' 1..26 are "
        "renumbered 0..25); fix the label file"));
  }
  if (!original.empty() && original.back() != ds.num_classes - 1) {
    spdlog::info("IDX labels in {} run {}..{}: renumbered 0..{} (the provenance keeps original_labels)", dir,
                 original.front(), original.back(), ds.num_classes - 1);
    std::map<std::int64_t, std::int64_t> to_dense;
    for (std::size_t i = 0; i < original.size(); ++i) to_dense[original[i]] = static_cast<std::int64_t>(i);
    for (auto* labels : {&ds.train.labels, &ds.test.labels}) {
      for (auto& l : *labels) l = to_dense[l];
    }
    ds.provenance["original_labels"] = original;  // class i was labelled original_labels[i]
  }
  return ds;
}

}  // namespace mnemo::data
