// Implements: the stream format's names and checksums (see stream_format.h).
#include "data/stream_format.h"

#include <filesystem>
#include <fstream>
#include <map>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/io/checksum.h"

namespace mnemo::data {

namespace fs = std::filesystem;

const char* split_name(Split split) {
  switch (split) {
    case Split::kTrain: return "train";
    case Split::kTest: return "test";
    case Split::kVal: return "val";
  }
  return "?";
}

std::string task_group(std::int64_t task) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "task_%03lld", static_cast<long long>(task));
  return buf;
}

std::string shard_file(int index, int count) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "shard-%05d-of-%05d.h5", index, count);
  return buf;
}

void write_checksums(const std::string& dir, const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names) text += io::sha256_file((fs::path(dir) / n).string()) + "  " + n + "\n";
  write_file_atomically((fs::path(dir) / kChecksumFile).string(), text);
}

void verify_checksums(const std::string& dir, const std::vector<std::string>& names) {
  const fs::path list = fs::path(dir) / kChecksumFile;
  std::ifstream in(list);
  if (!in) {
    throw InputError(with_hint(list.string() + " is missing: " + dir + " is not a complete mnemo stream",
                               "prepare the stream again with mnemo prepare"));
  }
  std::map<std::string, std::string> sums;
  for (std::string hash, name; in >> hash >> name;) sums[name] = hash;
  for (const auto& n : names) {
    const std::string path = (fs::path(dir) / n).string();
    const auto it = sums.find(n);
    if (it == sums.end()) throw InputError(list.string() + " has no entry for " + n);
    if (!fs::exists(path)) {
      throw InputError(with_hint(path + " is missing", "copy the whole stream directory, or prepare it again"));
    }
    if (io::sha256_file(path) != it->second) {
      throw InputError(with_hint(path + " does not match its SHA-256 in " + list.string() +
                                     " (the file is damaged, truncated or was modified)",
                                 "copy it again from the original, or prepare the stream again"));
    }
  }
}

}  // namespace mnemo::data
