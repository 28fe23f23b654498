// Implements: a deadline for a blocking call that no collective watchdog
//   covers (MPI_Init before any communicator exists, MPI_Finalize after
//   the watchdog has stopped): unless disarmed in time, a thread prints a
//   message to stderr and ends the process with _exit, so the launcher
//   tears the job down instead of every rank waiting for a frozen one.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace mnemo {

class Deadline {
 public:
  /// Arms the deadline: after `seconds` (<= 0: never), prints `message`
  /// and calls _exit(exit_code).
  Deadline(double seconds, std::string message, int exit_code);
  ~Deadline();  ///< disarms
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable disarmed_cv_;
  bool disarmed_ = false;
  std::thread thread_;
};

}  // namespace mnemo
