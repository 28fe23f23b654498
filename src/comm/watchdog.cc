// Implements: the watchdog decorator (see watchdog.h).
#include "comm/watchdog.h"

#include <cstdlib>
#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <thread>
#include <vector>

#include "core/error.h"

namespace mnemo {
namespace {

// What each rank publishes; written by its main thread, read by watchdogs.
struct Heartbeat {
  std::atomic<std::int64_t> sequence{0};
  std::atomic<std::int64_t> started_ns{0};  // 0: not in a collective
  std::atomic<std::int64_t> alive_ns{0};    // the watchdog thread's last tick
  char op[48] = {0};
};

constexpr std::int64_t kTickNs = 200'000'000;       // the watchdog's period
constexpr std::int64_t kUnresponsiveNs = 2'000'000'000;  // no tick for this long: frozen or dead

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string heartbeat_path(const std::string& dir, const std::string& name, int rank) {
  return dir + "/" + name + "-rank-" + std::to_string(rank);
}

Heartbeat* map_heartbeat(const std::string& path, bool create) {
  const int fd = ::open(path.c_str(), create ? (O_RDWR | O_CREAT | O_TRUNC) : O_RDONLY, 0644);
  if (fd < 0) return nullptr;
  // Allocated, not only sized: a page of a sparse file on a full disk would
  // fault (SIGBUS) at the first heartbeat instead of failing here.
  if (create) {
    const int failed = ::ftruncate(fd, sizeof(Heartbeat)) != 0 ? errno : ::posix_fallocate(fd, 0, sizeof(Heartbeat));
    if (failed != 0) {
      ::close(fd);
      errno = failed;
      return nullptr;
    }
  }
  void* p = ::mmap(nullptr, sizeof(Heartbeat), create ? (PROT_READ | PROT_WRITE) : PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  return p == MAP_FAILED ? nullptr : static_cast<Heartbeat*>(p);
}

class WatchedCommunicator final : public Communicator {
 public:
  WatchedCommunicator(Communicator& inner, std::unique_ptr<Communicator> owned, std::string name, std::string dir,
                      double timeout)
      : owned_(std::move(owned)),
        inner_(inner), name_(std::move(name)), dir_(std::move(dir)), timeout_ns_(static_cast<std::int64_t>(timeout * 1e9)) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    mine_ = map_heartbeat(heartbeat_path(dir_, name_, rank()), /*create=*/true);
    if (mine_ == nullptr) {
      throw StorageError("cannot create the heartbeat file in " + dir_ + ": " + std::strerror(errno),
                         "the run directory must be writable and have free space");
    }
    new (mine_) Heartbeat();
    thread_ = std::thread([this] { watch(); });
  }
  ~WatchedCommunicator() override {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (mine_ != nullptr) ::munmap(mine_, sizeof(Heartbeat));
  }

  int rank() const override { return inner_.rank(); }
  int world_size() const override { return inner_.world_size(); }
  int local_rank() const override { return inner_.local_rank(); }
  int local_size() const override { return inner_.local_size(); }
  std::string backend() const override { return inner_.backend(); }
  BufferPlace buffer_place() const override { return inner_.buffer_place(); }
  bool asynchronous() const override { return inner_.asynchronous(); }

  void allreduce_sum(void* d, std::size_t n, DType t) override {
    Scope s(this, "allreduce_sum");
    inner_.allreduce_sum(d, n, t);
  }
  std::unique_ptr<Request> allreduce_sum_async(void* d, std::size_t n, DType t) override {
    Scope s(this, "allreduce_sum (async start)");
    return inner_.allreduce_sum_async(d, n, t);
  }
  void allreduce_max(void* d, std::size_t n, DType t) override {
    Scope s(this, "allreduce_max");
    inner_.allreduce_max(d, n, t);
  }
  void broadcast(void* d, std::size_t n, DType t, int root) override {
    Scope s(this, "broadcast");
    inner_.broadcast(d, n, t, root);
  }
  void reduce_sum(void* d, std::size_t n, DType t, int root) override {
    Scope s(this, "reduce_sum");
    inner_.reduce_sum(d, n, t, root);
  }
  void allgather(const void* send, void* recv, std::size_t n, DType t) override {
    Scope s(this, "allgather");
    inner_.allgather(send, recv, n, t);
  }
  void barrier() override {
    Scope s(this, "barrier");
    inner_.barrier();
  }
  [[noreturn]] void abort(int code) override {
    inner_.abort(code);
    std::_Exit(code);  // the inner abort does not return; this tells the compiler
  }

 private:
  struct Scope {
    Scope(WatchedCommunicator* c, const char* op) : c_(c) {
      std::snprintf(c->mine_->op, sizeof(c->mine_->op), "%s", op);
      c->mine_->sequence.fetch_add(1);
      c->mine_->started_ns.store(now_ns());
    }
    ~Scope() { c_->mine_->started_ns.store(0); }
    WatchedCommunicator* c_;
  };

  void watch() {
    mine_->alive_ns.store(now_ns());
    while (!stop_) {
      std::this_thread::sleep_for(std::chrono::nanoseconds(kTickNs));
      const std::int64_t now = now_ns(), last_tick = mine_->alive_ns.exchange(now);
      if (now - last_tick > kUnresponsiveNs) {
        // This process itself was stopped (SIGSTOP) and has just been
        // continued: the peers have judged the collective already.
        if (mine_->started_ns.load() != 0) mine_->started_ns.store(now);
        continue;
      }
      const std::int64_t started = mine_->started_ns.load();
      if (started == 0 || now - started < timeout_ns_) continue;
      report_and_exit();
    }
  }

  [[noreturn]] void report_and_exit() {
    const std::int64_t seq = mine_->sequence.load();
    std::ostringstream os;
    os << "[mnemo r" << rank() << "/" << world_size() << "] error: collective #" << seq << " (" << mine_->op
       << ") on the " << name_ << " communicator has waited more than " << timeout_ns_ / 1e9
       << " s (--comm-timeout) on host " << host_name() << ", pid " << getpid() << ".";
    std::vector<int> missing;
    for (int r = 0; r < world_size(); ++r) {
      Heartbeat* other = map_heartbeat(heartbeat_path(dir_, name_, r), /*create=*/false);
      if (other == nullptr) {
        os << "\n    rank " << r << ": no heartbeat file (not started?)";
        missing.push_back(r);
        continue;
      }
      const std::int64_t s = other->sequence.load();
      const bool waiting = other->started_ns.load() != 0 && s == seq;
      const std::int64_t silent = now_ns() - other->alive_ns.load();
      if (silent > kUnresponsiveNs) {
        missing.push_back(r);
        os << "\n    rank " << r << " is not responding (frozen or dead: no heartbeat for " << silent / 1'000'000'000
           << " s), last seen in collective #" << s << " (" << other->op << ")";
      } else if (!waiting) {
        missing.push_back(r);
        os << "\n    rank " << r << " never joined: it is at collective #" << s << " (" << other->op << ", "
           << (other->started_ns.load() != 0 ? "waiting" : "computing") << ")";
      }
      ::munmap(other, sizeof(Heartbeat));
    }
    if (missing.empty()) os << "\n    every rank is in this collective: the transport itself is stuck";
    os << "\n  HINT: a rank died, froze or diverged; check its log (ranks above), then resume with --resume auto\n";
    std::fputs(os.str().c_str(), stderr);
    std::fflush(stderr);
    std::_Exit(kExitInternal);
  }

  std::unique_ptr<Communicator> owned_;
  Communicator& inner_;
  std::string name_, dir_;
  std::int64_t timeout_ns_;
  Heartbeat* mine_ = nullptr;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Communicator> make_watched_communicator(Communicator& inner, const std::string& name,
                                                        const std::string& heartbeat_dir, double timeout_seconds) {
  return std::make_unique<WatchedCommunicator>(inner, nullptr, name, heartbeat_dir, timeout_seconds);
}

std::unique_ptr<Communicator> make_watched_communicator(std::unique_ptr<Communicator> inner, const std::string& name,
                                                        const std::string& heartbeat_dir, double timeout_seconds) {
  Communicator& ref = *inner;
  return std::make_unique<WatchedCommunicator>(ref, std::move(inner), name, heartbeat_dir, timeout_seconds);
}

}  // namespace mnemo
