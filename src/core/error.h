// Implements: mnemo's three error tiers.
//   1. Bad input (files, config, command line): throw InputError / UsageError
//      with a message that names the file or field, plus a hint. A file that
//      cannot be written (disk full, quota, permissions, a bad path) is a
//      StorageError naming the path: not bad input, and not a bug.
//   2. Library return codes (MPI, NCCL, CUDA, HDF5): the check macros of each
//      backend wrap calls and add the call, file:line, rank and host.
//   3. Broken invariants: MNEMO_ASSERT, which reports file:line.
#pragma once

#include <stdexcept>
#include <string>

namespace mnemo {

/// Process exit codes, documented in the README.
enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,   ///< a bug or a library failure
  kExitUsage = 2,      ///< bad command line or config
  kExitInput = 3,      ///< bad or missing data file
  kExitDiverged = 4,   ///< training diverged: the loss became NaN or infinite
  kExitStorage = 5,    ///< cannot write: disk full, quota or permissions
  kExitRequeue = 75,   ///< preempted: checkpoint written, requeue the job (EX_TEMPFAIL)
};

/// Base of every mnemo error; carries the exit code the process should use.
class Error : public std::runtime_error {
 public:
  Error(const std::string& what, int exit_code = kExitInternal)
      : std::runtime_error(what), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

/// Bad command line, option value or config file.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& what) : Error(what, kExitUsage) {}
};

/// Missing, corrupt or inconsistent input data.
class InputError : public Error {
 public:
  explicit InputError(const std::string& what) : Error(what, kExitInput) {}
};

/// "what (HINT: hint)", the shape of every bad-input message.
std::string with_hint(const std::string& what, const std::string& hint);

/// What to check when a write fails.
inline constexpr const char* kStorageHint =
    "check that the directory exists and is writable, the disk (or quota) has free space, and the path is right";

/// A file or directory that cannot be created, written, synced or renamed.
/// The message names the path; the hint defaults to kStorageHint.
class StorageError : public Error {
 public:
  explicit StorageError(const std::string& what, const std::string& hint = kStorageHint)
      : Error(with_hint(what, hint), kExitStorage) {}
};

/// Host name of this process, for error messages.
std::string host_name();

[[noreturn]] void assert_fail(const char* expr, const char* file, int line, const std::string& msg);

}  // namespace mnemo

/// Internal invariant; never use it for user input.
#define MNEMO_ASSERT(cond, msg)                                      \
  do {                                                               \
    if (!(cond)) ::mnemo::assert_fail(#cond, __FILE__, __LINE__, (msg)); \
  } while (0)
