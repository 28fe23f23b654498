// Implements: environment access and the launch check.
#include "core/env.h"

#include <cstdlib>

#include "core/error.h"

namespace mnemo::env {

std::string get(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

void check_launch(int world_size) {
  const std::string tasks = get(kSlurmStepTasks);
  if (tasks.empty()) return;
  if (std::atoi(tasks.c_str()) != world_size) {
    throw UsageError(with_hint("srun started " + tasks + " tasks but MPI sees a world of " + std::to_string(world_size) +
                                   " (the tasks did not connect: srun's PMI plugin does not match this MPI)",
                               "launch with 'srun --mpi=pmix' (Debian's Open MPI speaks PMIx only), or use mpirun"));
  }
}

}  // namespace mnemo::env
