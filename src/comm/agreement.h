// Implements: agreed failure. A phase that may fail on some ranks (reading
//   input, validating options) runs inside run_agreed(); afterwards the
//   ranks learn, in one collective, whether any rank failed. If so, every
//   rank throws AgreedError with the first failing rank's exit code, only
//   that rank reports its message, and the job ends cleanly: no rank is left
//   waiting in a collective and no MPI_Abort is needed.
//   Rule: the phase itself must contain no collectives.
#pragma once

#include <functional>
#include <string>

#include "comm/communicator.h"
#include "core/error.h"

namespace mnemo {

class AgreedError : public Error {
 public:
  AgreedError(const std::string& what, int exit_code, bool reporter)
      : Error(what, exit_code), reporter_(reporter) {}
  /// True on the one rank that should print the message.
  bool reporter() const { return reporter_; }

 private:
  bool reporter_;
};

/// Runs `phase`, then agrees across ranks. All ranks, same order.
void run_agreed(Communicator& comm, const std::function<void()>& phase);

}  // namespace mnemo
