// Implements: the stream writer (see stream_format.h for the layout).
#include "data/stream_writer.h"

#include <unistd.h>

#include <filesystem>
#include <random>
#include <set>

#include "core/error.h"
#include "core/rng.h"
#include "data/io/h5.h"
#include "data/sharding.h"
#include "data/stream_format.h"

namespace mnemo::data {

namespace fs = std::filesystem;
namespace h5 = io::h5;

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

const char* split_name(Split split) { return split == Split::kTrain ? "train" : "test"; }

namespace {

// The rows of one split of one task, already shuffled.
struct TaskRows {
  std::vector<std::int64_t> index;  // into the source split
};

TaskRows select_rows(const LabeledImages& split, const std::vector<std::int64_t>& classes, Rng rng) {
  const std::set<std::int64_t> wanted(classes.begin(), classes.end());
  TaskRows rows;
  for (std::int64_t i = 0; i < split.count(); ++i) {
    if (wanted.count(split.labels[i]) != 0) rows.index.push_back(i);
  }
  rng.shuffle(rows.index);
  return rows;
}

void write_rows(const h5::Loc& loc, const LabeledImages& split, const std::vector<std::int64_t>& index, Range r,
                const StreamLayout& layout) {
  const std::int64_t ss = split.sample_size();
  std::vector<std::uint8_t> images(static_cast<std::size_t>(r.size() * ss));
  std::vector<std::int64_t> labels(static_cast<std::size_t>(r.size()));
  for (std::int64_t i = 0; i < r.size(); ++i) {
    const std::int64_t src = index[r.begin + i];
    std::copy_n(split.images.begin() + src * ss, ss, images.begin() + i * ss);
    labels[i] = split.labels[src];
  }
  std::vector<std::int64_t> shape = {r.size()};
  shape.insert(shape.end(), split.image_shape.begin(), split.image_shape.end());
  h5::write_dataset(loc, "images", shape, images.data(), layout.chunk_rows, layout.deflate);
  h5::write_dataset(loc, "labels", {r.size()}, labels.data(), layout.chunk_rows * 16, layout.deflate);
}

// Unique per prepare run: shards of two runs must never be mixed up.
std::string random_stream_id() {
  std::random_device entropy;
  Rng rng((static_cast<std::uint64_t>(entropy()) << 32) ^ entropy());
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(rng.next()),
                static_cast<unsigned long long>(rng.next()));
  return buf;
}

void place_atomically(const fs::path& tmp, const fs::path& dir, bool overwrite) {
  std::error_code ec;
  if (fs::exists(dir)) {
    if (!overwrite) {
      fs::remove_all(tmp, ec);
      throw UsageError(with_hint("the output " + dir.string() + " already exists",
                                 "pass --overwrite to replace it, or choose another --output"));
    }
    const fs::path old = dir.string() + ".old-" + std::to_string(::getpid());
    fs::rename(dir, old);
    fs::rename(tmp, dir);
    fs::remove_all(old, ec);
    return;
  }
  fs::rename(tmp, dir);
}

}  // namespace

void write_class_incremental_stream(const std::string& dir_name, const SourceDataset& source,
                                    const std::vector<std::vector<std::int64_t>>& tasks,
                                    const std::vector<std::int64_t>& class_order, std::uint64_t seed,
                                    const StreamLayout& layout, bool overwrite) {
  if (layout.shards < 1) throw UsageError("--shards must be at least 1");
  const fs::path dir = fs::absolute(dir_name).lexically_normal();
  if (fs::exists(dir) && !overwrite) {
    throw UsageError(with_hint("the output " + dir.string() + " already exists",
                               "pass --overwrite to replace it, or choose another --output"));
  }
  const fs::path tmp = dir.string() + ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) {
    throw InputError(with_hint("cannot create " + tmp.string() + ": " + ec.message(),
                               "check that the parent directory exists and is writable"));
  }
  const std::string stream_id = random_stream_id();
  const auto num_tasks = static_cast<std::int64_t>(tasks.size());

  // Rows of every task and split, in their shuffled order.
  std::vector<TaskRows> train_rows, test_rows;
  for (std::int64_t t = 0; t < num_tasks; ++t) {
    train_rows.push_back(select_rows(source.train, tasks[t], Rng::derive(seed, 0x7a5c, t, 0)));
    test_rows.push_back(select_rows(source.test, tasks[t], Rng::derive(seed, 0x7a5c, t, 1)));
    if (train_rows.back().index.empty() || test_rows.back().index.empty()) {
      fs::remove_all(tmp, ec);
      throw InputError(with_hint("task " + std::to_string(t) + " would have no train or test samples",
                                 "the source lacks some of that task's classes; check the dataset's labels"));
    }
  }

  for (int k = 0; k < layout.shards; ++k) {
    auto file = h5::File::create((tmp / shard_file(k, layout.shards)).string());
    h5::Loc root{file, file.id(), "/"};
    h5::write_attr(root, "format", kShardFormat);
    h5::write_attr(root, "format_version", kStreamFormatVersion);
    h5::write_attr(root, "stream_id", stream_id);
    h5::write_attr(root, "shard_index", static_cast<std::int64_t>(k));
    for (std::int64_t t = 0; t < num_tasks; ++t) {
      auto tg = h5::create_group(root, task_group(t));
      h5::Loc tloc{file, tg.id(), "/" + task_group(t)};
      for (Split split : {Split::kTrain, Split::kTest}) {
        const auto& rows = split == Split::kTrain ? train_rows[t] : test_rows[t];
        const auto& src = split == Split::kTrain ? source.train : source.test;
        auto sg = h5::create_group(tloc, split_name(split));
        h5::Loc sloc{file, sg.id(), tloc.path + "/" + split_name(split)};
        write_rows(sloc, src, rows.index,
                   block_range(static_cast<std::int64_t>(rows.index.size()), layout.shards, k), layout);
      }
    }
    file.close();
  }

  {
    auto file = h5::File::create((tmp / kManifestFile).string());
    h5::Loc root{file, file.id(), "/"};
    h5::write_attr(root, "format", kStreamFormat);
    h5::write_attr(root, "format_version", kStreamFormatVersion);
    h5::write_attr(root, "stream_id", stream_id);
    h5::write_attr(root, "scenario", std::string("class-incremental"));
    h5::write_attr(root, "dataset", source.name);
    h5::write_attr(root, "num_tasks", num_tasks);
    h5::write_attr(root, "num_classes", source.num_classes);
    h5::write_attr(root, "num_shards", static_cast<std::int64_t>(layout.shards));
    h5::write_attr(root, "image_shape", source.train.image_shape);
    h5::write_attr(root, "seed", static_cast<std::int64_t>(seed));
    h5::write_attr(root, "class_order", class_order);
    h5::write_attr(root, "provenance", source.provenance.dump());
    for (std::int64_t t = 0; t < num_tasks; ++t) {
      auto tg = h5::create_group(root, task_group(t));
      h5::Loc tloc{file, tg.id(), "/" + task_group(t)};
      h5::write_attr(tloc, "classes", tasks[t]);
      for (Split split : {Split::kTrain, Split::kTest}) {
        const auto n = static_cast<std::int64_t>((split == Split::kTrain ? train_rows[t] : test_rows[t]).index.size());
        std::vector<std::int64_t> per_shard;
        for (int k = 0; k < layout.shards; ++k) per_shard.push_back(block_range(n, layout.shards, k).size());
        h5::write_attr(tloc, std::string(split_name(split)) + "_count", n);
        h5::write_attr(tloc, std::string(split_name(split)) + "_shard_counts", per_shard);
      }
    }
    file.close();
  }
  place_atomically(tmp, dir, overwrite);
}

}  // namespace mnemo::data
