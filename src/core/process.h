// Implements: running a helper program (no shell) and locating files
//   installed next to the mnemo executable.
#pragma once

#include <string>
#include <vector>

namespace mnemo {

/// Runs argv[0] with arguments (PATH lookup), waits, returns its exit status
/// (127 when it cannot be started, 128+N when killed by signal N).
int run_process(const std::vector<std::string>& argv);

/// Directory of the running executable (/proc/self/exe).
std::string executable_dir();

/// The CPUs this process may run on (its affinity mask: what srun
/// --cpus-per-task or mpirun --bind-to give it); the machine's count when
/// the mask cannot be read.
int allowed_cpus();
/// The machine's CPU count (std::thread::hardware_concurrency, at least 1).
int machine_cpus();

}  // namespace mnemo
