// Implements: describe_stream.
#include "data/stream_inspect.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <map>
#include <sstream>

#include "data/stream_reader.h"

namespace mnemo::data {

namespace {

constexpr std::int64_t kGroupsShown = 8;

// Per channel (images) or feature: mean, std, min and max of `block`'s
// samples in model units (uint8 / 255), before the stream's normalisation.
std::string group_statistics(const SampleFormat& format, const SampleBlock& block) {
  const std::int64_t groups = format.norm_groups(), per_row = format.elements(), per_group = per_row / groups;
  const double scale = format.type == SampleType::kUInt8 ? 1.0 / 255.0 : 1.0;
  std::vector<double> sum(static_cast<std::size_t>(groups)), sq(sum.size());
  std::vector<double> lo(sum.size(), std::numeric_limits<double>::infinity()), hi(sum.size(), -lo[0]);
  std::vector<float> row(static_cast<std::size_t>(per_row));
  const std::int64_t bytes = format.bytes();
  for (std::int64_t i = 0; i < block.count(); ++i) {
    widen_to_float(format.type, block.images.data() + i * bytes, per_row, row.data());
    for (std::int64_t e = 0; e < per_row; ++e) {
      const double v = row[static_cast<std::size_t>(e)] * scale;
      const auto g = static_cast<std::size_t>(e / per_group);
      sum[g] += v;
      sq[g] += v * v;
      lo[g] = std::min(lo[g], v);
      hi[g] = std::max(hi[g], v);
    }
  }
  const double n = static_cast<double>(block.count() * per_group);
  std::ostringstream os;
  os << std::setprecision(4);
  const char* unit = format.shape.size() == 3 ? "channel" : "feature";
  for (std::int64_t g = 0; g < std::min(groups, kGroupsShown); ++g) {
    const auto k = static_cast<std::size_t>(g);
    const double mean = sum[k] / n;
    os << "\n    " << unit << " " << g << ": mean " << mean << ", std " << std::sqrt(std::max(0.0, sq[k] / n - mean * mean))
       << ", min " << lo[k] << ", max " << hi[k];
    if (format.normalised()) os << "; stored mean " << format.mean[k] << ", std " << format.std[k];
  }
  if (groups > kGroupsShown) os << "\n    ... (" << groups - kGroupsShown << " more " << unit << "s)";
  return os.str();
}

}  // namespace

std::string describe_stream(const std::string& dir) {
  const StreamReader reader(dir);
  {
    std::vector<std::string> files;
    for (std::int64_t k = 0; k < static_cast<std::int64_t>(reader.task(0).train_shard_counts.size()); ++k) {
      files.push_back(shard_file(static_cast<int>(k), static_cast<int>(reader.task(0).train_shard_counts.size())));
    }
    verify_checksums(dir, files);
  }
  std::ostringstream os;
  const SampleFormat& format = reader.sample_format();
  os << "stream " << dir << " (format " << kStreamFormat << " v" << reader.format_version() << ", id "
     << reader.stream_id() << ")\n  dataset " << reader.dataset() << ", scenario " << reader.scenario() << ", "
     << reader.num_tasks() << " tasks, " << reader.num_classes() << " classes, samples " << format.describe()
     << ", seed " << reader.seed() << "\n  class order:";
  for (auto c : reader.class_order()) os << ' ' << c;
  os << "\n  normalisation: "
     << (format.normalised() ? "(x - mean) / std per " + std::string(format.shape.size() == 3 ? "channel" : "feature") +
                                   ", from the training rows of " + format.norm_source
                             : std::string("none"))
     << "\n";
  std::string statistics;
  for (std::int64_t t = 0; t < reader.num_tasks(); ++t) {
    const auto& info = reader.task(t);
    os << "  task " << t << ": classes";
    for (auto c : info.classes) os << ' ' << c;
    for (Split s : info.splits()) {
      // Reading every label also validates them against the task's classes.
      const SampleBlock block = reader.read(t, s, {0, info.count(s)});
      if (t == 0 && s == Split::kTrain) statistics = group_statistics(format, block);
      std::map<std::int64_t, std::int64_t> per_class;
      for (auto l : block.labels) ++per_class[l];
      os << "; " << split_name(s) << " " << info.count(s) << " (";
      bool first = true;
      for (const auto& [c, n] : per_class) {
        os << (first ? "" : " ") << c << ":" << n;
        first = false;
      }
      os << ")";
    }
    os << "\n";
  }
  os << "  task 0 train, per " << (format.shape.size() == 3 ? "channel" : "feature") << " (model units, before normalisation):"
     << statistics << "\n";
  os << "  provenance: " << reader.provenance_json() << "\n  all files match " << kChecksumFile
     << "; all labels valid\n";
  return os.str();
}

}  // namespace mnemo::data
