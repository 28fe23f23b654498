// Implements: the collective cross-check (--debug-collectives). A decorator
//   around any communicator: before each collective, every rank publishes
//   (sequence number, operation, bytes, root) over a separate MPI
//   communicator and compares them; a mismatch is an Error on every rank
//   that lists what each rank was about to do, instead of a hang or
//   silently mixed buffers.
#pragma once

#include <memory>

#include "comm/communicator.h"

namespace mnemo {

/// Wraps `inner` (not owned; must outlive the result).
std::unique_ptr<Communicator> make_checked_communicator(Communicator& inner, const std::string& name);
/// Wraps and owns `inner`.
std::unique_ptr<Communicator> make_checked_communicator(std::unique_ptr<Communicator> inner, const std::string& name);

}  // namespace mnemo
