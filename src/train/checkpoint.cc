// Implements: write_checkpoint and latest_checkpoint.
#include "train/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>

#include <spdlog/spdlog.h>

#include <fstream>
#include <map>

#include "comm/agreement.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "data/io/checksum.h"
#include "data/stream_format.h"

namespace mnemo::train {

namespace fs = std::filesystem;

namespace {

std::string checkpoint_name(const Position& at) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "ckpt-T%05lld-S%09lld", static_cast<long long>(at.task),
                static_cast<long long>(at.global_step));
  return buf;
}

std::vector<fs::path> complete_checkpoints(const fs::path& root) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return out;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("ckpt-", 0) == 0 && fs::exists(e.path() / "DONE")) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());  // names sort by (task, step)
  return out;
}

constexpr const char* kSums = data::kChecksumFile;

// Every regular file under `dir` but the checksum list and DONE, as relative paths.
std::vector<std::string> checkpoint_files(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string rel = fs::relative(e.path(), dir).string();
    if (rel != kSums && rel != "DONE") out.push_back(rel);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// What is wrong with the checkpoint's files, or "" when nothing is.
std::string damage(const fs::path& dir) {
  std::ifstream in(dir / kSums);
  if (!in) return "";  // written before checksums: nothing to compare with
  std::map<std::string, std::string> sums;
  for (std::string hash, name; in >> hash >> name;) sums[name] = hash;
  for (const auto& [rel, hash] : sums) {
    const fs::path path = dir / rel;
    if (!fs::exists(path)) return path.string() + " is missing";
    if (io::sha256_file(path.string()) != hash) {
      return path.string() + " does not match its SHA-256 in " + (dir / kSums).string() +
             " (damaged or modified after the checkpoint was written)";
    }
  }
  return "";
}

}  // namespace

void verify_checkpoint_files(const std::string& dir) {
  const std::string what = damage(dir);
  if (!what.empty()) {
    throw InputError(with_hint("checkpoint " + dir + ": " + what,
                               "resume with --resume auto (it falls back to the previous intact checkpoint), or "
                               "pass an older checkpoint's directory"));
  }
}

void CheckpointOptions::declare(OptionTable& t) {
  t.add("checkpoint-every", every, "Also checkpoint every K steps (0: at task ends only)").at_least(0).result_neutral();
  t.add("checkpoint-minutes", minutes, "Also checkpoint every M minutes (0: off)").in_range(0, 1e7).result_neutral();
  t.add("checkpoint-keep", keep, "Complete checkpoints to keep").in_range(1, 1 << 20).result_neutral();
  t.add("resume", resume, "Resume: 'auto' (the newest complete checkpoint of --run-dir, or start) or a checkpoint "
                          "directory")
      .result_neutral();
  t.add("force", force, "Resume even when result-affecting options differ from the checkpoint's").result_neutral();
}

std::string write_checkpoint(const std::string& run_dir, const Position& at, int keep, Communicator& control,
                             const CheckpointWriters& writers) {
  const fs::path root = fs::path(run_dir) / "checkpoints";
  const fs::path final_dir = root / checkpoint_name(at);
  const fs::path tmp = root / (".tmp-" + checkpoint_name(at));
  // Three agreed phases (each ends in one collective, as the barriers did): a failure on any rank (a full
  // disk hits every rank at once) ends every rank with its exit code, printed once, by the first that failed.
  run_agreed(control, [&] {
    if (control.rank() != 0) return;
    std::error_code ec;
    fs::remove_all(tmp, ec);
    fs::create_directories(tmp, ec);
    if (ec) throw StorageError("cannot create checkpoint directory " + tmp.string() + ": " + ec.message());
  });
  run_agreed(control, [&] {
    writers.every_rank(tmp.string());
    if (control.rank() == 0) writers.rank0(tmp.string());
  });
  run_agreed(control, [&] {
    if (control.rank() != 0) return;
    data::write_checksums(tmp.string(), checkpoint_files(tmp));  // the streams' format: "HASH  NAME"
    write_file_atomically((tmp / "DONE").string(), "complete\n");
    std::error_code ec;
    fs::remove_all(final_dir, ec);
    fs::rename(tmp, final_dir, ec);
    if (ec) throw StorageError("cannot rename " + tmp.string() + " to " + final_dir.string() + ": " + ec.message());
    sync_directory(root.string());
    auto all = complete_checkpoints(root);
    for (std::size_t i = 0; i + static_cast<std::size_t>(std::max(1, keep)) < all.size(); ++i) {
      fs::remove_all(all[i], ec);
    }
  });
  return final_dir.string();
}

std::optional<std::string> latest_checkpoint(const std::string& run_dir, bool report) {
  auto all = complete_checkpoints(fs::path(run_dir) / "checkpoints");
  if (all.empty()) return std::nullopt;
  std::string newest_damage;
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    const std::string what = damage(*it);
    if (what.empty()) return it->string();
    if (newest_damage.empty()) newest_damage = what;
    if (report) {
      spdlog::warn("checkpoint {} is damaged ({}); {}", it->string(), what,
                   std::next(it) != all.rend() ? "trying the previous one" : "no older checkpoint is left");
    }
  }
  throw InputError(with_hint("every complete checkpoint of " + run_dir + " is damaged; the newest: " + newest_damage,
                             "start the run again without --resume (with --overwrite)"));
}

}  // namespace mnemo::train
