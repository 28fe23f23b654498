// Implements: the collective watchdog (--comm-timeout). A decorator around a
//   communicator: each rank publishes (sequence, operation, start time) of
//   its collective in progress in a small memory-mapped heartbeat file
//   (DIR/rank-R), and a watchdog thread checks it once a second. When a
//   collective has waited longer than the timeout, the thread reads every
//   rank's heartbeat, prints which operation is stuck and which ranks never
//   joined it (their sequence is behind, or they are in another operation),
//   and ends the process with kExitInternal; mpirun/srun then tear the rest
//   of the job down. So a dead or frozen rank never leaves the others
//   hanging: the job ends within the timeout plus about a second.
//   The heartbeat directory must be visible to all ranks of a node (the run
//   directory); ranks on other nodes are named when the directory is shared.
#pragma once

#include <memory>
#include <string>

#include "comm/communicator.h"

namespace mnemo {

/// Wraps `inner` (not owned). `name` labels messages ("gradient", "control").
std::unique_ptr<Communicator> make_watched_communicator(Communicator& inner, const std::string& name,
                                                        const std::string& heartbeat_dir, double timeout_seconds);
/// Wraps and owns `inner`.
std::unique_ptr<Communicator> make_watched_communicator(std::unique_ptr<Communicator> inner, const std::string& name,
                                                        const std::string& heartbeat_dir, double timeout_seconds);

}  // namespace mnemo
