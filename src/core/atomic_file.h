// Implements: atomic file replacement: write a temporary sibling, fsync it,
//   rename it over the target, fsync the directory. Readers see the old file
//   or the new one, never a torn one.
#pragma once

#include <string>

namespace mnemo {

/// Writes `content` to `path` atomically; throws Error naming the path on failure.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace mnemo
