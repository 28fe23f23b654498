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

}  // namespace mnemo
