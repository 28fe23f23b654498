// Implements: describe_stream.
#include "data/stream_inspect.h"

#include <map>
#include <sstream>

#include "data/stream_reader.h"

namespace mnemo::data {

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
  os << "\n";
  for (std::int64_t t = 0; t < reader.num_tasks(); ++t) {
    const auto& info = reader.task(t);
    os << "  task " << t << ": classes";
    for (auto c : info.classes) os << ' ' << c;
    for (Split s : info.splits()) {
      // Reading every label also validates them against the task's classes.
      const SampleBlock block = reader.read(t, s, {0, info.count(s)});
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
  os << "  provenance: " << reader.provenance_json() << "\n  all files match " << kChecksumFile
     << "; all labels valid\n";
  return os.str();
}

}  // namespace mnemo::data
