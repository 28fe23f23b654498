// Implements: preemption signals. SIGTERM, SIGUSR1 and SIGUSR2 only set a
//   flag; the trainer's ranks agree on it at the next step (it rides along
//   the step's count all-reduce), checkpoint, and exit with kExitRequeue.
#pragma once

namespace mnemo {

/// Installs the handlers (idempotent).
void install_stop_signals();
/// True once one of the signals arrived.
bool stop_requested();

}  // namespace mnemo
