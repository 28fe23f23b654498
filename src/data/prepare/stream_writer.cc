// Implements: the stream writer (see stream_format.h for the layout).
#include "data/prepare/stream_writer.h"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/io/checksum.h"
#include "core/rng.h"
#include "data/io/h5.h"
#include "data/prepare/sample_convert.h"
#include "data/sharding.h"
#include "data/stream_format.h"

namespace mnemo::data {

void StreamLayout::declare(OptionTable& t) {
  t.add("shards", shards, "Number of HDF5 shard files (at most one per training row of the smallest task)")
      .in_range(1, 4096);
  t.add("chunk-rows", chunk_rows, "HDF5 chunk size, samples").in_range(1, 1 << 20);
  t.add("deflate", deflate, "gzip level of the image datasets, 0..9 (0: none, the default: every rank reads "
                            "every training row, and inflating them costs as much CPU as training on them)")
      .in_range(0, 9);
}

namespace fs = std::filesystem;
namespace h5 = io::h5;

namespace {

std::vector<std::int64_t> shuffled_rows(std::int64_t n, Rng rng) {
  std::vector<std::int64_t> index(static_cast<std::size_t>(n));
  std::iota(index.begin(), index.end(), 0);
  rng.shuffle(index);
  return index;
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
  h5::write_dataset_typed(loc, "images", shape, images.data(), h5_type(split.type), layout.chunk_rows,
                          layout.deflate);
  h5::write_dataset(loc, "labels", {r.size()}, labels.data(), layout.chunk_rows * 16, layout.deflate);
}

struct SplitRows {
  Split split;
  std::vector<std::int64_t> rows;  // source rows, in stream order
};

// The seeded order of a task's rows per split; the validation split is the
// tail of the shuffled training rows.
std::vector<SplitRows> split_rows(const TaskContent& task, const StreamHeader& header, std::int64_t t) {
  const auto tt = static_cast<std::uint64_t>(t);
  std::vector<std::int64_t> train = shuffled_rows(task.train.count(), Rng::derive(header.seed, 0x7a5c, tt, 0));
  const auto n_val = static_cast<std::int64_t>(std::llround(header.val_fraction * static_cast<double>(train.size())));
  std::vector<SplitRows> out;
  if (header.val_fraction > 0 && (n_val < 1 || n_val >= static_cast<std::int64_t>(train.size()))) {
    throw UsageError(with_hint("--val-fraction " + std::to_string(header.val_fraction) + " leaves task " +
                                   std::to_string(t) + " (" + std::to_string(train.size()) +
                                   " training samples) with an empty training or validation split",
                               "choose a fraction in (0, 1) that keeps both non-empty"));
  }
  std::vector<std::int64_t> val(train.end() - n_val, train.end());
  train.resize(train.size() - static_cast<std::size_t>(n_val));
  out.push_back({Split::kTrain, std::move(train)});
  out.push_back({Split::kTest, shuffled_rows(task.test.count(), Rng::derive(header.seed, 0x7a5c, tt, 1))});
  if (n_val > 0) out.push_back({Split::kVal, std::move(val)});
  return out;
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

// fs::rename, a StorageError naming both paths if it fails.
void rename_or_fail(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (ec) throw StorageError("cannot rename " + from.string() + " to " + to.string() + ": " + ec.message());
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
    rename_or_fail(dir, old);
    rename_or_fail(tmp, dir);
    fs::remove_all(old, ec);
    return;
  }
  rename_or_fail(tmp, dir);
}

// Removes the temporary directory unless the write completed.
struct TmpDirGuard {
  fs::path path;
  bool done = false;
  ~TmpDirGuard() {
    if (!done) {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  }
};

}  // namespace

LabeledImages select_classes(const LabeledImages& split, const std::vector<std::int64_t>& classes) {
  const std::set<std::int64_t> wanted(classes.begin(), classes.end());
  LabeledImages out;
  out.type = split.type;
  out.image_shape = split.image_shape;
  const std::int64_t ss = split.sample_size();
  for (std::int64_t i = 0; i < split.count(); ++i) {
    if (wanted.count(split.labels[i]) == 0) continue;
    out.images.insert(out.images.end(), split.images.begin() + i * ss, split.images.begin() + (i + 1) * ss);
    out.labels.push_back(split.labels[i]);
  }
  return out;
}

void write_stream(const std::string& dir_name, const StreamHeader& header,
                  const std::function<TaskContent(std::int64_t)>& build, const StreamLayout& layout, bool overwrite) {
  if (layout.shards < 1) throw UsageError("--shards must be at least 1");
  if (header.val_fraction < 0 || header.val_fraction >= 1) {
    throw UsageError("--val-fraction must be in [0, 1), got " + std::to_string(header.val_fraction));
  }
  const fs::path dir = fs::absolute(dir_name).lexically_normal();
  if (fs::exists(dir) && !overwrite) {
    throw UsageError(with_hint("the output " + dir.string() + " already exists",
                               "pass --overwrite to replace it, or choose another --output"));
  }
  TmpDirGuard tmp{fs::path(dir.string() + ".tmp-" + std::to_string(::getpid()))};
  std::error_code ec;
  fs::remove_all(tmp.path, ec);
  fs::create_directories(tmp.path, ec);
  if (ec) throw StorageError("cannot create " + tmp.path.string() + ": " + ec.message());
  const std::string stream_id = random_stream_id();

  std::vector<h5::File> shards;
  for (int k = 0; k < layout.shards; ++k) {
    shards.push_back(h5::File::create((tmp.path / shard_file(k, layout.shards)).string()));
    h5::Loc root{shards.back(), shards.back().id(), "/"};
    h5::write_attr(root, "format", kShardFormat);
    h5::write_attr(root, "format_version", kStreamFormatVersion);
    h5::write_attr(root, "stream_id", stream_id);
    h5::write_attr(root, "shard_index", static_cast<std::int64_t>(k));
  }
  auto manifest = h5::File::create((tmp.path / kManifestFile).string());
  h5::Loc mroot{manifest, manifest.id(), "/"};
  SampleFormat sample = header.sample;  // its statistics come from the training rows written
  NormStats stats(sample);

  for (std::int64_t t = 0; t < header.num_tasks; ++t) {
    const TaskContent task = build(t);
    if (task.train.count() == 0 || task.test.count() == 0) {
      throw InputError(with_hint("task " + std::to_string(t) + " would have no train or test samples",
                                 "the source lacks some of that task's classes; check the dataset's labels"));
    }
    auto mg = h5::create_group(mroot, task_group(t));
    h5::Loc ml{manifest, mg.id(), "/" + task_group(t)};
    h5::write_attr(ml, "classes", task.classes);
    if (!task.permutation.empty()) h5::write_attr(ml, "permutation", task.permutation);
    if (header.scenario == "rotated") {
      h5::write_attr(ml, "angle_millidegrees", static_cast<std::int64_t>(std::llround(task.angle_degrees * 1000)));
    }
    for (const SplitRows& part : split_rows(task, header, t)) {
      const Split split = part.split;
      const LabeledImages& src = split == Split::kTest ? task.test : task.train;
      const bool counted = sample.norm_source == "all-tasks" || (sample.norm_source == "first-task" && t == 0);
      if (split == Split::kTrain && counted) stats.add(src, part.rows);
      const auto n = static_cast<std::int64_t>(part.rows.size());
      std::vector<std::int64_t> per_shard;
      for (int k = 0; k < layout.shards; ++k) {
        const Range r = block_range(n, layout.shards, k);
        per_shard.push_back(r.size());
        h5::Loc root{shards[k], shards[k].id(), "/"};
        const std::string tg = task_group(t);
        if (!h5::exists(root, tg)) h5::create_group(root, tg);
        auto tgh = h5::open_group(root, tg);
        h5::Loc tl{shards[k], tgh.id(), "/" + tg};
        auto sg = h5::create_group(tl, split_name(split));
        h5::Loc sl{shards[k], sg.id(), tl.path + "/" + split_name(split)};
        write_rows(sl, src, part.rows, r, layout);
      }
      h5::write_attr(ml, std::string(split_name(split)) + "_count", n);
      h5::write_attr(ml, std::string(split_name(split)) + "_shard_counts", per_shard);
    }
  }
  for (auto& f : shards) f.close();

  h5::write_attr(mroot, "format", kStreamFormat);
  h5::write_attr(mroot, "format_version", kStreamFormatVersion);
  h5::write_attr(mroot, "stream_id", stream_id);
  h5::write_attr(mroot, "scenario", header.scenario);
  h5::write_attr(mroot, "dataset", header.dataset);
  h5::write_attr(mroot, "num_tasks", header.num_tasks);
  h5::write_attr(mroot, "num_classes", header.num_classes);
  h5::write_attr(mroot, "num_shards", static_cast<std::int64_t>(layout.shards));
  h5::write_attr(mroot, "image_shape", sample.shape);
  h5::write_attr(mroot, "sample_type", sample_type_name(sample.type));
  if (!sample.norm_source.empty()) {
    stats.finish(sample.mean, sample.std);
    h5::write_attr(mroot, "norm_mean", sample.mean);
    h5::write_attr(mroot, "norm_std", sample.std);
    h5::write_attr(mroot, "norm_source", sample.norm_source);
  }
  h5::write_attr(mroot, "seed", static_cast<std::int64_t>(header.seed));
  h5::write_attr(mroot, "class_order", header.class_order);
  nlohmann::json provenance = header.provenance;
  if (header.val_fraction > 0) provenance["val_fraction"] = header.val_fraction;
  h5::write_attr(mroot, "provenance", provenance.dump());
  manifest.close();
  std::vector<std::string> names = {kManifestFile};
  for (int k = 0; k < layout.shards; ++k) names.push_back(shard_file(k, layout.shards));
  write_checksums(tmp.path.string(), names);
  place_atomically(tmp.path, dir, overwrite);
  tmp.done = true;
}

void write_class_incremental_stream(const std::string& dir, const SourceDataset& source,
                                    const std::vector<std::vector<std::int64_t>>& tasks,
                                    const std::vector<std::int64_t>& class_order, std::uint64_t seed,
                                    const StreamLayout& layout, bool overwrite) {
  StreamHeader h;
  h.dataset = source.name;
  h.scenario = "class-incremental";
  h.num_tasks = static_cast<std::int64_t>(tasks.size());
  h.num_classes = source.num_classes;
  h.sample.type = source.train.type;
  h.sample.shape = source.train.image_shape;
  h.class_order = class_order;
  h.seed = seed;
  h.provenance = source.provenance;
  write_stream(dir, h,
               [&](std::int64_t t) {
                 return TaskContent{tasks[t], select_classes(source.train, tasks[t]),
                                    select_classes(source.test, tasks[t]), {}, 0};
               },
               layout, overwrite);
}

}  // namespace mnemo::data
