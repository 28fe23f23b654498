// Implements: write_checkpoint and latest_checkpoint.
#include "train/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"

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

}  // namespace

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
  if (control.rank() == 0) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    fs::create_directories(tmp, ec);
    if (ec) throw StorageError("cannot create checkpoint directory " + tmp.string() + ": " + ec.message());
  }
  control.barrier();
  writers.every_rank(tmp.string());
  if (control.rank() == 0) writers.rank0(tmp.string());
  control.barrier();
  if (control.rank() == 0) {
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
  }
  control.barrier();
  return final_dir.string();
}

std::optional<std::string> latest_checkpoint(const std::string& run_dir) {
  auto all = complete_checkpoints(fs::path(run_dir) / "checkpoints");
  if (all.empty()) return std::nullopt;
  return all.back().string();
}

}  // namespace mnemo::train
