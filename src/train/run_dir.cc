// Implements: heartbeat_dir, RunDirLock and prepare_run_dir (see run_dir.h).
#include "train/run_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"

namespace mnemo::train {

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Locks DIR/.lock and records who holds it.
std::unique_ptr<RunDirLock> lock_dir(const fs::path& dir, const std::string& run_dir) {
  const fs::path path = dir / ".lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw StorageError("cannot create " + path.string() + ": " + std::strerror(errno), "choose a writable --run-dir");
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err != EWOULDBLOCK) {
      throw StorageError("cannot lock " + path.string() + ": " + std::strerror(err), "choose another --run-dir");
    }
    std::string holder = read_text(path);
    while (!holder.empty() && holder.back() == '\n') holder.pop_back();
    throw UsageError(with_hint("run directory " + run_dir + " is in use by another mnemo train (" +
                                   (holder.empty() ? "unknown process" : holder) + ")",
                               "wait for that run to end, or choose another --run-dir"));
  }
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  const std::string who = "pid " + std::to_string(::getpid()) + " on " + host + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, who.data(), who.size(), 0) < 0) {
    // The lock holds without the note; only the message of a second run is poorer.
  }
  return std::make_unique<RunDirLock>(fd);
}

bool complete_results(const fs::path& path) {
  const auto j = nlohmann::json::parse(read_text(path), nullptr, /*allow_exceptions=*/false);
  return j.is_object() && j.value("complete", false);
}

}  // namespace

std::string heartbeat_dir(const std::string& run_dir) { return (fs::path(run_dir) / ".heartbeat").string(); }

RunDirLock::~RunDirLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

std::unique_ptr<RunDirLock> lock_run_dir(const TrainOptions& o) {
  const fs::path dir(o.run.run_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    throw StorageError("cannot create run directory " + o.run.run_dir + ": " + ec.message(),
                       "choose a writable --run-dir");
  }
  return lock_dir(dir, o.run.run_dir);
}

void prepare_run_dir(const TrainOptions& o) {
  const fs::path dir(o.run.run_dir);
  std::error_code ec;
  const bool resuming = !o.checkpoint.resume.empty();
  const fs::path results = dir / "results.json";
  if (fs::exists(results) && !o.run.overwrite && !resuming) {
    throw UsageError(with_hint("run directory " + o.run.run_dir + " already holds results.json",
                               "pass --overwrite to replace it, or choose another --run-dir"));
  }
  if (resuming && !o.run.overwrite && fs::exists(results) && complete_results(results)) {
    throw UsageError(with_hint("run directory " + o.run.run_dir + " holds a complete run (results.json): there is "
                                   "nothing to resume",
                               "pass --overwrite to train again from its checkpoint, or choose another --run-dir"));
  }
  if (!resuming) {  // a stale replay set and checkpoints of an earlier run
    fs::remove_all(dir / "replay", ec);
    fs::remove_all(dir / "checkpoints", ec);
  }
  write_file_atomically((dir / "config.json").string(), to_json(o).dump(2) + "\n");
}

}  // namespace mnemo::train
