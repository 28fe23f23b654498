// Implements: the validating stream reader.
#include "data/stream_reader.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

#include "core/error.h"

namespace mnemo::data {

namespace h5 = io::h5;
namespace fs = std::filesystem;

namespace {

// What to do about a stream file that cannot be read: the generic HDF5
// layer knows files, not streams, so the reader gives it this hint.
constexpr const char* kDamagedStreamHint =
    "the file may be truncated or corrupt: prepare the stream again (mnemo prepare)";

// The file's format version (checked to be one this mnemo reads).
std::int64_t check_format(const h5::Loc& root, const char* expected_format) {
  const std::string format = h5::read_attr_string(root, "format");
  if (format != expected_format) {
    throw InputError(with_hint(root.describe() + " has format '" + format + "', expected '" + expected_format + "'",
                               "point mnemo at a directory written by mnemo prepare"));
  }
  const std::int64_t version = h5::read_attr_int(root, "format_version");
  if (version < kOldestStreamFormatVersion || version > kStreamFormatVersion) {
    throw InputError(with_hint(root.describe() + " has format version " + std::to_string(version) +
                                   ", this mnemo reads versions " + std::to_string(kOldestStreamFormatVersion) +
                                   " to " + std::to_string(kStreamFormatVersion),
                               "prepare the stream again with this version of mnemo"));
  }
  return version;
}

// Version 2's sample type and normalisation; version 1 streams hold uint8
// [C, H, W] images without normalisation.
SampleFormat read_sample_format(const h5::Loc& root, std::int64_t version) {
  SampleFormat f;
  f.shape = h5::read_attr_ints(root, "image_shape");
  const bool bad_rank = version == 1 ? f.shape.size() != 3 : f.shape.empty() || f.shape.size() > 8;
  if (bad_rank) throw InputError(root.describe() + ": image_shape has " + std::to_string(f.shape.size()) + " dimensions");
  for (auto d : f.shape) {
    if (d < 1 || d > (std::int64_t{1} << 31)) throw InputError(root.describe() + ": image_shape has a dimension " + std::to_string(d));
  }
  if (f.elements() > (std::int64_t{1} << 31)) throw InputError(root.describe() + ": image_shape is implausibly large");
  if (version == 1) return f;
  f.type = parse_sample_type(h5::read_attr_string(root, "sample_type"), root.describe("sample_type"));
  if (h5::has_attr(root, "norm_mean")) {
    f.mean = h5::read_attr_doubles(root, "norm_mean");
    f.std = h5::read_attr_doubles(root, "norm_std");
    f.norm_source = h5::read_attr_string(root, "norm_source");
    const auto groups = static_cast<std::size_t>(f.norm_groups());
    bool ok = f.mean.size() == groups && f.std.size() == groups;
    for (std::size_t i = 0; ok && i < groups; ++i) ok = std::isfinite(f.mean[i]) && std::isfinite(f.std[i]) && f.std[i] > 0;
    if (!ok) {
      throw InputError(with_hint(root.describe() + ": norm_mean/norm_std must hold " + std::to_string(groups) +
                                     " finite values (std > 0)",
                                 "the stream is damaged; prepare it again"));
    }
  }
  return f;
}

std::int64_t sum(const std::vector<std::int64_t>& v) { return std::accumulate(v.begin(), v.end(), std::int64_t{0}); }

}  // namespace

StreamReader::StreamReader(const std::string& dir) : dir_(dir) {
  const std::string manifest_path = (fs::path(dir) / kManifestFile).string();
  if (!fs::is_directory(dir)) {
    throw InputError(with_hint("stream directory " + dir + " does not exist",
                               "create it with: mnemo prepare --output " + dir));
  }
  verify_checksums(dir, {kManifestFile});  // before libhdf5 parses it
  auto manifest = h5::File::open(manifest_path, kDamagedStreamHint);
  h5::Loc root{manifest, manifest.id(), "/"};
  format_version_ = check_format(root, kStreamFormat);
  stream_id_ = h5::read_attr_string(root, "stream_id");
  scenario_ = h5::read_attr_string(root, "scenario");
  dataset_ = h5::read_attr_string(root, "dataset");
  provenance_ = h5::read_attr_string(root, "provenance");
  num_classes_ = h5::read_attr_int(root, "num_classes");
  seed_ = h5::read_attr_int(root, "seed");
  class_order_ = h5::read_attr_ints(root, "class_order");
  format_ = read_sample_format(root, format_version_);
  sample_size_ = format_.bytes();
  const std::int64_t num_tasks = h5::read_attr_int(root, "num_tasks");
  const std::int64_t num_shards = h5::read_attr_int(root, "num_shards");
  if (num_tasks < 1 || num_shards < 1 || num_classes_ < 1) {
    throw InputError(root.describe() + ": num_tasks, num_shards or num_classes is invalid");
  }

  std::vector<int> owner(static_cast<std::size_t>(num_classes_), -1);
  for (std::int64_t t = 0; t < num_tasks; ++t) {
    auto g = h5::open_group(root, task_group(t));
    h5::Loc tl{manifest, g.id(), std::string("/").append(task_group(t))};
    TaskInfo info;
    info.classes = h5::read_attr_ints(tl, "classes");
    info.train_count = h5::read_attr_int(tl, "train_count");
    info.test_count = h5::read_attr_int(tl, "test_count");
    info.train_shard_counts = h5::read_attr_ints(tl, "train_shard_counts");
    info.test_shard_counts = h5::read_attr_ints(tl, "test_shard_counts");
    if (h5::has_attr(tl, "val_count")) {
      info.val_count = h5::read_attr_int(tl, "val_count");
      info.val_shard_counts = h5::read_attr_ints(tl, "val_shard_counts");
      if (info.val_count < 1 || static_cast<std::int64_t>(info.val_shard_counts.size()) != num_shards ||
          sum(info.val_shard_counts) != info.val_count) {
        throw InputError(tl.describe() + ": val_count or val_shard_counts is invalid");
      }
    }
    if (info.train_count < 1 || info.test_count < 1) {
      throw InputError(tl.describe() + ": task " + std::to_string(t) + " is empty");
    }
    if (static_cast<std::int64_t>(info.train_shard_counts.size()) != num_shards ||
        static_cast<std::int64_t>(info.test_shard_counts.size()) != num_shards ||
        sum(info.train_shard_counts) != info.train_count || sum(info.test_shard_counts) != info.test_count) {
      throw InputError(tl.describe() + ": per-shard counts do not add up to the task's counts");
    }
    for (auto c : info.classes) {
      if (c < 0 || c >= num_classes_) {
        throw InputError(tl.describe() + ": class " + std::to_string(c) + " is outside [0, " +
                         std::to_string(num_classes_) + ")");
      }
      const bool disjoint = scenario_ == "class-incremental" || scenario_ == "task-incremental";
      if (disjoint && owner[c] >= 0) {
        throw InputError(tl.describe() + ": class " + std::to_string(c) + " also appears in task " +
                         std::to_string(owner[c]) + " of a " + scenario_ + " stream");
      }
      owner[c] = static_cast<int>(t);
    }
    tasks_.push_back(std::move(info));
  }

  for (int k = 0; k < num_shards; ++k) {
    const std::string path = (fs::path(dir) / shard_file(k, static_cast<int>(num_shards))).string();
    if (!fs::exists(path)) {
      throw InputError(with_hint("shard " + path + " is missing (the stream has " + std::to_string(num_shards) +
                                     " shards)",
                                 "copy the whole stream directory, or prepare it again"));
    }
    auto file = h5::File::open(path, kDamagedStreamHint);
    h5::Loc sroot{file, file.id(), "/"};
    if (check_format(sroot, kShardFormat) != format_version_) {
      throw InputError(with_hint(path + " has another format version than " + manifest_path,
                                 "do not mix files of two prepared streams; prepare the stream again"));
    }
    if (h5::read_attr_string(sroot, "stream_id") != stream_id_) {
      throw InputError(with_hint(path + " belongs to a different stream than " + manifest_path,
                                 "do not mix files of two prepared streams; prepare the stream again"));
    }
    if (h5::read_attr_int(sroot, "shard_index") != k) {
      throw InputError(path + ": shard_index does not match the file name");
    }
    for (std::int64_t t = 0; t < num_tasks; ++t) {
      for (Split s : tasks_[t].splits()) {
        h5::Loc sl{file, file.id(), "/"};
        const std::string base = task_group(t) + "/" + split_name(s);
        const auto ishape = h5::dataset_shape(sl, base + "/images");
        const auto lshape = h5::dataset_shape(sl, base + "/labels");
        const std::int64_t expect = tasks_[t].shard_counts(s)[k];
        std::vector<std::int64_t> want = {expect};
        want.insert(want.end(), format_.shape.begin(), format_.shape.end());
        if (ishape != want || lshape != std::vector<std::int64_t>{expect}) {
          throw InputError(with_hint(sl.describe(base) + ": images/labels shapes do not match the manifest (" +
                                         std::to_string(expect) + " samples of " + format_.describe() + ")",
                                     "the stream is damaged; prepare it again"));
        }
        const h5::ElementType stored = h5::dataset_element_type(sl, base + "/images");
        if (stored.is_float != (format_.type != SampleType::kUInt8) ||
            static_cast<std::int64_t>(stored.bytes) != element_bytes(format_.type)) {
          throw InputError(with_hint(sl.describe(base + "/images") + " holds " + stored.name() +
                                         ", the manifest says " + sample_type_name(format_.type),
                                     "the stream is damaged; prepare it again"));
        }
      }
    }
    std::vector<h5::RowOffsets> offsets(static_cast<std::size_t>(num_tasks * 3));
    for (std::int64_t t = 0; t < num_tasks; ++t) {
      for (Split s : tasks_[t].splits()) {
        h5::Loc sl{file, file.id(), "/"};
        offsets[static_cast<std::size_t>(t * 3 + static_cast<int>(s))] =
            h5::direct_rows(sl, task_group(t) + "/" + split_name(s) + "/images", h5_type(format_.type));
      }
    }
    image_offsets_.push_back(std::move(offsets));
    shard_files_.emplace_back(path);
    shards_.push_back(std::move(file));
  }
}

SampleBlock StreamReader::read(std::int64_t task, Split split, Range rows) const {
  SampleBlock out;
  out.images.resize(static_cast<std::size_t>(rows.size() * sample_size_));
  out.labels.resize(static_cast<std::size_t>(rows.size()));
  read_into(task, split, rows, out.images.data(), out.labels.data());
  return out;
}

void StreamReader::read_into(std::int64_t task, Split split, Range rows, std::uint8_t* images,
                             std::int64_t* labels) const {
  const TaskInfo& info = this->task(task);
  MNEMO_ASSERT(rows.begin >= 0 && rows.begin <= rows.end && rows.end <= info.count(split), "row range");
  const auto& counts = info.shard_counts(split);
  std::int64_t shard_begin = 0;
  const std::string base = task_group(task) + "/" + split_name(split);
  for (std::size_t k = 0; k < counts.size(); ++k) {
    const std::int64_t shard_end = shard_begin + counts[k];
    const std::int64_t a = std::max(rows.begin, shard_begin), b = std::min(rows.end, shard_end);
    if (a < b) {
      h5::Loc loc{shards_[k], shards_[k].id(), "/"};
      const std::int64_t at = a - rows.begin;
      h5::read_rows_typed(loc, base + "/images", a - shard_begin, b - shard_begin, images + at * sample_size_,
                          h5_type(format_.type));
    }
    shard_begin = shard_end;
  }
  read_labels(task, split, rows, labels);
}

void StreamReader::read_labels(std::int64_t task, Split split, Range rows, std::int64_t* labels) const {
  const TaskInfo& info = this->task(task);
  MNEMO_ASSERT(rows.begin >= 0 && rows.begin <= rows.end && rows.end <= info.count(split), "row range");
  const auto& counts = info.shard_counts(split);
  std::int64_t shard_begin = 0;
  const std::string base = task_group(task) + "/" + split_name(split);
  for (std::size_t k = 0; k < counts.size(); ++k) {
    const std::int64_t shard_end = shard_begin + counts[k];
    const std::int64_t a = std::max(rows.begin, shard_begin), b = std::min(rows.end, shard_end);
    if (a < b) {
      h5::Loc loc{shards_[k], shards_[k].id(), "/"};
      h5::read_rows(loc, base + "/labels", a - shard_begin, b - shard_begin, labels + (a - rows.begin));
      for (std::int64_t i = a; i < b; ++i) {
        const std::int64_t label = labels[i - rows.begin];
        if (std::find(info.classes.begin(), info.classes.end(), label) == info.classes.end()) {
          throw InputError(with_hint(loc.describe(base + "/labels") + "[" + std::to_string(i - shard_begin) +
                                         "] is " + std::to_string(label) + ", not one of task " +
                                         std::to_string(task) + "'s classes",
                                     "the stream is damaged; prepare it again"));
        }
      }
    }
    shard_begin = shard_end;
  }
}

bool StreamReader::reads_by_offset(std::int64_t task, Split split) const {
  for (std::size_t k = 0; k < image_offsets_.size(); ++k) {
    if (this->task(task).shard_counts(split)[k] > 0 &&
        image_offsets_[k][static_cast<std::size_t>(task * 3 + static_cast<int>(split))].chunk_offsets.empty()) {
      return false;
    }
  }
  return true;
}

void StreamReader::read_images(std::int64_t task, Split split, const std::vector<std::int64_t>& rows,
                               std::uint8_t* images) const {
  const TaskInfo& info = this->task(task);
  const auto& counts = info.shard_counts(split);
  const std::string base = task_group(task) + "/" + split_name(split);
  std::size_t i = 0;  // rows before i are read
  std::int64_t shard_begin = 0;
  for (std::size_t k = 0; k < counts.size() && i < rows.size(); ++k) {
    const std::int64_t shard_end = shard_begin + counts[k];
    std::size_t j = i;  // rows [i, j) lie in shard k
    while (j < rows.size() && rows[j] < shard_end) {
      MNEMO_ASSERT(rows[j] >= shard_begin && (j == i || rows[j] > rows[j - 1]), "rows must increase");
      ++j;
    }
    if (j > i) {
      const h5::RowOffsets& where = image_offsets_[k][static_cast<std::size_t>(task * 3 + static_cast<int>(split))];
      std::uint8_t* out = images + static_cast<std::int64_t>(i) * sample_size_;
      if (where.chunk_offsets.empty()) {
        std::vector<std::int64_t> local(rows.begin() + static_cast<std::ptrdiff_t>(i),
                                        rows.begin() + static_cast<std::ptrdiff_t>(j));
        for (auto& r : local) r -= shard_begin;
        h5::Loc loc{shards_[k], shards_[k].id(), "/"};
        h5::read_row_set_typed(loc, base + "/images", local, out, h5_type(format_.type));
      } else {
        const io::RowFile& file = shard_files_[k];
        file.check_size();  // a file cut since the last read: an InputError, not a SIGBUS
        std::int64_t lowest = where.offset(rows[i] - shard_begin), highest = lowest;
        for (std::size_t a = i; a < j;) {  // one read per run of rows adjacent in the file
          const std::int64_t first = rows[a] - shard_begin;
          std::size_t b = a + 1;
          while (b < j && rows[b] == rows[b - 1] + 1 &&
                 where.offset(rows[b] - shard_begin) == where.offset(rows[b - 1] - shard_begin) + sample_size_) {
            ++b;
          }
          const std::int64_t at = where.offset(first), bytes = static_cast<std::int64_t>(b - a) * sample_size_;
          lowest = std::min(lowest, at);
          highest = std::max(highest, at + bytes);
          try {
            file.read_at(at, bytes, out + static_cast<std::int64_t>(a - i) * sample_size_);
          } catch (const InputError& e) {
            throw InputError(shards_[k].path() + ":/" + base + "/images rows " + std::to_string(first) + ".." +
                             std::to_string(first + static_cast<std::int64_t>(b - a)) + ": " + e.what());
          }
          a = b;
        }
        file.read_span(lowest, highest);  // resident memory bounded, not the file's size
      }
    }
    i = j;
    shard_begin = shard_end;
  }
  MNEMO_ASSERT(i == rows.size(), "rows beyond the task's split");
}

}  // namespace mnemo::data
