// Implements: access to the world communicator from MPI tests.
#pragma once

#include "comm/communicator.h"

namespace mnemo::testing {

/// The MPI communicator over all ranks of this test job.
Communicator& world();

}  // namespace mnemo::testing
