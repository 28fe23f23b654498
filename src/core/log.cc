// Implements: rank-prefixed logging on top of spdlog.
#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <string>

namespace mnemo {

void init_logging(int rank, int world_size, bool verbose) {
  auto logger = spdlog::stderr_color_mt("mnemo-" + std::to_string(rank));
  logger->set_pattern("[mnemo r" + std::to_string(rank) + "/" + std::to_string(world_size) +
                      " %H:%M:%S] %^%l%$: %v");
  if (verbose) {
    logger->set_level(spdlog::level::debug);
  } else {
    logger->set_level(rank == 0 ? spdlog::level::info : spdlog::level::warn);
  }
  spdlog::set_default_logger(logger);
}

}  // namespace mnemo
