// Implements: logging with a rank prefix ("[mnemo r1/4] ..."), on stderr.
//   Rank 0 logs at info level; other ranks log warnings and errors only, so a
//   run's output reads as one program's.
#pragma once

#include <spdlog/spdlog.h>

namespace mnemo {

/// Configures the default logger; call once after the rank is known.
void init_logging(int rank, int world_size, bool verbose = false);

}  // namespace mnemo
