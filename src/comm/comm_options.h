// Implements: the communication options of a run: which backend carries the
//   gradients, the watchdog's timeout and the collective cross-check.
#pragma once

#include "comm/communicator.h"
#include "core/options.h"

namespace mnemo {

struct CommOptions {
  BackendKind backend = BackendKind::kAuto;
  double timeout_seconds = 300;    ///< s a collective may wait before the job is aborted (0: off)
  bool debug_collectives = false;  ///< cross-check every collective's (seq, op, bytes)
  /// --backend, --comm-timeout, --debug-collectives (none changes results).
  void declare(OptionTable& table);
};

}  // namespace mnemo
