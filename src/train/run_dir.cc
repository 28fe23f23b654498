// Implements: heartbeat_dir and prepare_run_dir (see run_dir.h).
#include "train/run_dir.h"

#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"

namespace mnemo::train {

namespace fs = std::filesystem;

std::string heartbeat_dir(const std::string& run_dir) { return (fs::path(run_dir) / ".heartbeat").string(); }

void prepare_run_dir(const TrainOptions& o) {
  const fs::path dir(o.run.run_dir);
  const bool resuming = !o.checkpoint.resume.empty();
  if (fs::exists(dir / "results.json") && !o.run.overwrite && !resuming) {
    throw UsageError(with_hint("run directory " + o.run.run_dir + " already holds results.json",
                               "pass --overwrite to replace it, or choose another --run-dir"));
  }
  std::error_code ec;
  if (!resuming) {  // a stale replay set and checkpoints of an earlier run
    fs::remove_all(dir / "replay", ec);
    fs::remove_all(dir / "checkpoints", ec);
  }
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    throw StorageError("cannot create run directory " + o.run.run_dir + ": " + ec.message(),
                       "choose a writable --run-dir");
  }
  write_file_atomically((dir / "config.json").string(), to_json(o).dump(2) + "\n");
}

}  // namespace mnemo::train
