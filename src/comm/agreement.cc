// Implements: run_agreed (see agreement.h).
#include "comm/agreement.h"

#include <cstdint>
#include <filesystem>

namespace mnemo {

void run_agreed(Communicator& comm, const std::function<void()>& phase) {
  std::string message;
  std::int32_t code = kExitOk;
  try {
    phase();
  } catch (const Error& e) {
    message = e.what();
    code = e.exit_code();
  } catch (const std::filesystem::filesystem_error& e) {  // a path mnemo was given: a symlink loop, permissions
    message = with_hint(e.what(), "check the path: a symlink loop, a missing directory or missing permissions");
    code = kExitInput;
  } catch (const std::exception& e) {
    message = std::string("unexpected error: ") + e.what();
    code = kExitInternal;
  }
  const int first = first_failed_rank(comm, code != kExitOk);
  if (first < 0) return;
  comm.broadcast(&code, 1, DType::kInt32, first);
  const bool reporter = comm.rank() == first;
  throw AgreedError(reporter ? message : "failed on rank " + std::to_string(first), code, reporter);
}

}  // namespace mnemo
