// Implements: replay shards on disk.
#include "replay/replay_store.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/io/h5.h"

namespace mnemo::replay {

namespace fs = std::filesystem;
namespace h5 = io::h5;

std::string replay_shard_name(int rank, int world_size) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "replay-r%05d-of-%05d.h5", rank, world_size);
  return buf;
}

namespace {

// A shard's per-sample arrays, contiguous, in slot order.
struct ShardArrays {
  std::int64_t n = 0;
  const std::uint8_t* images = nullptr;
  const std::int64_t *slots = nullptr, *labels = nullptr, *tasks = nullptr;
  const float* logits = nullptr;  // null when meta.logit_size == 0
};

// The shard's fields other than its samples.
ReplayShard shard_meta(const ReplayBuffer& buffer, const std::vector<std::int64_t>& image_shape,
                       data::SampleType sample_type, int rank, int world_size, std::int64_t global_capacity) {
  ReplayShard s;
  s.state = buffer.state();
  s.capacity = buffer.local_capacity();
  s.global_capacity = global_capacity;
  s.rank = rank;
  s.world_size = world_size;
  s.policy = buffer.policy();
  s.image_shape = image_shape;
  s.sample_type = sample_type;
  s.logit_size = buffer.logit_size();
  return s;
}

// What to do about a replay shard that cannot be read.
constexpr const char* kDamagedShardHint =
    "the replay shard is damaged: resume from an earlier checkpoint (--resume PATH), or start the run again";

// Writes DIR/replay-r...h5 atomically and durably: a temporary file, fsync,
// rename, fsync of the directory.
void write_shard(const std::string& dir, const ReplayShard& meta, const ShardArrays& d) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw StorageError("cannot create replay directory " + dir + ": " + ec.message());
  const std::string path = (fs::path(dir) / replay_shard_name(meta.rank, meta.world_size)).string();
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  const std::int64_t n = d.n;
  {
    auto file = h5::File::create(tmp);
    h5::Loc root{file, file.id(), "/"};
    h5::write_attr(root, "format", kReplayFormat);
    h5::write_attr(root, "format_version", kReplayFormatVersion);
    h5::write_attr(root, "policy", std::string(policy_name(meta.policy)));
    h5::write_attr(root, "rank", static_cast<std::int64_t>(meta.rank));
    h5::write_attr(root, "world_size", static_cast<std::int64_t>(meta.world_size));
    h5::write_attr(root, "capacity", meta.capacity);
    h5::write_attr(root, "global_capacity", meta.global_capacity);
    h5::write_attr(root, "seen", meta.state.seen);
    h5::write_attr(root, "rng_state", static_cast<std::int64_t>(meta.state.rng_state));
    if (!meta.state.ring_next.empty()) h5::write_attr(root, "ring_next", meta.state.ring_next);
    h5::write_attr(root, "image_shape", meta.image_shape);
    h5::write_attr(root, "sample_type", data::sample_type_name(meta.sample_type));
    h5::write_attr(root, "logit_size", meta.logit_size);
    std::vector<std::int64_t> shape = {n};
    shape.insert(shape.end(), meta.image_shape.begin(), meta.image_shape.end());
    const std::int64_t chunk = std::max<std::int64_t>(1, std::min<std::int64_t>(n, 256));
    h5::write_dataset_typed(root, "images", shape, d.images, data::h5_type(meta.sample_type), chunk, 0);  // uncompressed, as streams: inflating costs more than it saves
    h5::write_dataset(root, "slots", {n}, d.slots, chunk, 0);
    h5::write_dataset(root, "labels", {n}, d.labels, chunk, 0);
    h5::write_dataset(root, "tasks", {n}, d.tasks, chunk, 0);
    if (meta.logit_size > 0) h5::write_dataset(root, "logits", {n, meta.logit_size}, d.logits, chunk, 0);
    file.close();
  }
  commit_file(tmp, path);
}

}  // namespace

void save_replay_buffer(const std::string& dir, const ReplayBuffer& buffer, const std::vector<std::int64_t>& image_shape,
                        data::SampleType sample_type, int rank, int world_size, std::int64_t global_capacity) {
  const ReplayShard meta = shard_meta(buffer, image_shape, sample_type, rank, world_size, global_capacity);
  std::vector<std::int64_t> slots, labels, tasks;
  for (auto slot : buffer.filled_slots()) {
    if (!buffer.owns(slot)) continue;
    slots.push_back(slot);
    labels.push_back(buffer.label(slot));
    tasks.push_back(buffer.task(slot));
  }
  const auto n = static_cast<std::int64_t>(slots.size());
  const std::int64_t ss = buffer.sample_size(), ls = buffer.logit_size();
  // Owned slots s = rank + k * world_size sit at row k of the buffer's
  // storage: when the filled ones are consecutive rows (always for
  // reservoir), the rows are written from there without a copy.
  bool consecutive = true;
  for (std::int64_t k = 1; k < n && consecutive; ++k) consecutive = slots[k] == slots[k - 1] + world_size;
  std::vector<std::uint8_t> images;
  std::vector<float> logits;
  if (!consecutive) {
    images.reserve(static_cast<std::size_t>(n * ss));
    logits.reserve(static_cast<std::size_t>(n * ls));
    for (auto slot : slots) {
      images.insert(images.end(), buffer.image(slot), buffer.image(slot) + ss);
      if (ls > 0) logits.insert(logits.end(), buffer.logits(slot), buffer.logits(slot) + ls);
    }
  }
  ShardArrays d{n, nullptr, slots.data(), labels.data(), tasks.data(), nullptr};
  if (n > 0) {
    d.images = consecutive ? buffer.image(slots.front()) : images.data();
    if (ls > 0) d.logits = consecutive ? buffer.logits(slots.front()) : logits.data();
  }
  write_shard(dir, meta, d);
}

ReplayShard load_replay_shard(const std::string& path) {
  auto file = h5::File::open(path, kDamagedShardHint);
  h5::Loc root{file, file.id(), "/"};
  if (h5::read_attr_string(root, "format") != kReplayFormat) {
    throw InputError(with_hint(path + " is not a mnemo replay shard", "pass a directory written by mnemo train"));
  }
  if (h5::read_attr_int(root, "format_version") != kReplayFormatVersion) {
    throw InputError(with_hint(path + ": replay format version " +
                                   std::to_string(h5::read_attr_int(root, "format_version")) + ", this mnemo reads " +
                                   std::to_string(kReplayFormatVersion),
                               "memories of version 1 (per-rank reservoirs) cannot be continued; start the run "
                               "again"));
  }
  ReplayShard s;
  s.policy = parse_policy(h5::read_attr_string(root, "policy"));
  s.rank = static_cast<int>(h5::read_attr_int(root, "rank"));
  s.world_size = static_cast<int>(h5::read_attr_int(root, "world_size"));
  s.capacity = h5::read_attr_int(root, "capacity");
  s.global_capacity = h5::read_attr_int(root, "global_capacity");
  s.state.seen = h5::read_attr_int(root, "seen");
  s.state.rng_state = static_cast<std::uint64_t>(h5::read_attr_int(root, "rng_state"));
  if (h5::has_attr(root, "ring_next")) s.state.ring_next = h5::read_attr_ints(root, "ring_next");
  s.image_shape = h5::read_attr_ints(root, "image_shape");
  s.logit_size = h5::read_attr_int(root, "logit_size");
  if (h5::has_attr(root, "sample_type")) {
    s.sample_type = data::parse_sample_type(h5::read_attr_string(root, "sample_type"), path);
  }
  if (s.image_shape.empty() || s.rank < 0 || s.rank >= s.world_size || s.logit_size < 0 || s.capacity < 0) {
    throw InputError(path + ": inconsistent replay shard attributes");
  }
  const auto lshape = h5::dataset_shape(root, "labels");
  if (lshape.size() != 1) throw InputError(path + ":/labels must be 1-dimensional");
  const std::int64_t n = lshape[0];
  std::vector<std::int64_t> want = {n};
  want.insert(want.end(), s.image_shape.begin(), s.image_shape.end());
  if (h5::dataset_shape(root, "images") != want || h5::dataset_shape(root, "tasks") != lshape ||
      h5::dataset_shape(root, "slots") != lshape ||
      (s.logit_size > 0 && h5::dataset_shape(root, "logits") != std::vector<std::int64_t>{n, s.logit_size})) {
    throw InputError(with_hint(path + ": dataset shapes disagree with each other or with image_shape",
                               "the shard is damaged"));
  }
  if (n > s.capacity) throw InputError(path + ": holds " + std::to_string(n) + " samples, more than its capacity");
  std::int64_t ss = data::element_bytes(s.sample_type);
  for (auto d : s.image_shape) {
    if (d < 1 || d > (std::int64_t{1} << 31)) throw InputError(path + ": image_shape has a dimension " + std::to_string(d));
    ss *= d;
  }
  if (ss > (std::int64_t{1} << 32) || n > (std::int64_t{1} << 40) / ss) {
    throw InputError(with_hint(path + ": implausibly large samples", "the shard is damaged"));
  }
  std::vector<std::uint8_t> images(static_cast<std::size_t>(n * ss));
  std::vector<std::int64_t> labels(static_cast<std::size_t>(n)), tasks(static_cast<std::size_t>(n)),
      slots(static_cast<std::size_t>(n));
  std::vector<float> logits(static_cast<std::size_t>(n * s.logit_size));
  h5::read_rows_typed(root, "images", 0, n, images.data(), data::h5_type(s.sample_type));
  h5::read_rows(root, "slots", 0, n, slots.data());
  h5::read_rows(root, "labels", 0, n, labels.data());
  h5::read_rows(root, "tasks", 0, n, tasks.data());
  if (s.logit_size > 0) h5::read_rows(root, "logits", 0, n, logits.data());
  for (std::int64_t i = 0; i < n; ++i) {
    Sample x;
    x.slot = slots[i];
    x.image.assign(images.begin() + i * ss, images.begin() + (i + 1) * ss);
    x.label = labels[i];
    x.task = tasks[i];
    if (s.logit_size > 0) x.logits.assign(logits.begin() + i * s.logit_size, logits.begin() + (i + 1) * s.logit_size);
    if (x.label < 0 || x.task < 0 || x.slot < 0 || x.slot >= s.global_capacity ||
        x.slot % s.world_size != s.rank) {
      throw InputError(path + ":/labels, /tasks or /slots[" + std::to_string(i) +
                       "] is negative or a slot this shard cannot hold");
    }
    s.samples.push_back(std::move(x));
  }
  return s;
}

std::vector<ReplayShard> load_replay_set(const std::string& dir) {
  if (!fs::is_directory(dir)) throw InputError("replay directory " + dir + " does not exist");
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("replay-r", 0) == 0 && e.path().extension() == ".h5") files.push_back(e.path().string());
  }
  if (files.empty()) throw InputError("no replay shards (replay-r*.h5) in " + dir);
  std::sort(files.begin(), files.end());
  std::vector<ReplayShard> shards;
  for (const auto& f : files) shards.push_back(load_replay_shard(f));
  const int world = shards[0].world_size;
  if (static_cast<int>(shards.size()) != world) {
    throw InputError(with_hint(dir + " holds " + std::to_string(shards.size()) + " replay shards, but they say the set "
                                   "has " + std::to_string(world),
                               "a shard is missing or a stale one is left over"));
  }
  for (int r = 0; r < world; ++r) {
    if (shards[r].rank != r || shards[r].world_size != world ||
        shards[r].global_capacity != shards[0].global_capacity || shards[r].state.seen != shards[0].state.seen ||
        shards[r].state.rng_state != shards[0].state.rng_state) {
      throw InputError(files[r] + ": rank, world size, global capacity or global state disagrees with the rest of "
                                  "the set (shards of different runs or steps)");
    }
  }
  return shards;
}

std::vector<Sample> all_samples(const std::vector<ReplayShard>& shards) {
  std::vector<Sample> all;
  for (const auto& s : shards) all.insert(all.end(), s.samples.begin(), s.samples.end());
  return all;
}

std::string describe_replay(const std::string& path) {
  std::vector<ReplayShard> shards;
  if (fs::is_directory(path)) {
    shards = load_replay_set(path);
  } else {
    shards.push_back(load_replay_shard(path));
  }
  std::map<std::int64_t, std::int64_t> classes, tasks;
  std::int64_t total = 0, seen = 0, capacity = 0;
  for (const auto& s : shards) {
    for (const auto& x : s.samples) {
      ++classes[x.label];
      ++tasks[x.task];
    }
    total += static_cast<std::int64_t>(s.samples.size());
    seen = s.state.seen;  // global: the same in every shard
    capacity += s.capacity;
  }
  std::ostringstream os;
  os << "replay memory " << path << ": " << shards.size() << " shard(s) of a " << shards[0].world_size
     << "-rank set, policy " << policy_name(shards[0].policy) << "\n  " << total << " samples in " << capacity
     << " slots (global capacity " << shards[0].global_capacity << "), " << seen << " offered; samples "
     << data::SampleFormat{shards[0].sample_type, shards[0].image_shape, {}, {}, {}}.describe()
     << (shards[0].logit_size > 0 ? ", with " + std::to_string(shards[0].logit_size) + " logits each" : "") << "\n";
  os << "  per shard:";
  for (const auto& s : shards) os << " r" << s.rank << "=" << s.samples.size();
  os << "\n  per class:";
  for (const auto& [c, n] : classes) os << " " << c << ":" << n;
  os << "\n  per task: ";
  for (const auto& [t, n] : tasks) os << " " << t << ":" << n;
  os << "\n";
  return os.str();
}

}  // namespace mnemo::replay
