// Implements: Deadline (see deadline.h).
#include "core/deadline.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace mnemo {

Deadline::Deadline(double seconds, std::string message, int exit_code) {
  if (seconds <= 0) return;
  thread_ = std::thread([this, seconds, message = std::move(message), exit_code] {
    std::unique_lock<std::mutex> lock(mutex_);
    if (disarmed_cv_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return disarmed_; })) return;
    std::fprintf(stderr, "%s\n", message.c_str());
    std::fflush(stderr);
    ::_exit(exit_code);
  });
}

Deadline::~Deadline() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    disarmed_ = true;
  }
  disarmed_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace mnemo
