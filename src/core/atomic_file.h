// Implements: atomic file replacement: write a temporary sibling, fsync it,
//   rename it over the target, fsync the directory. Readers see the old file
//   or the new one, never a torn one. Also the fsync helpers for writers
//   that do not sync (torch::save, libhdf5). Every failure is a
//   StorageError naming the path.
#pragma once

#include <string>

namespace mnemo {

/// Writes `content` to `path` atomically.
void write_file_atomically(const std::string& path, const std::string& content);

/// Finishes an atomic replacement whose temporary file `tmp` (a sibling of
/// `path`) is written and closed: fsyncs it, renames it over `path`, fsyncs
/// the directory. Removes `tmp` when that fails.
void commit_file(const std::string& tmp, const std::string& path);

/// fsyncs a file (after a writer that does not, like torch::save).
void sync_file(const std::string& path);

/// fsyncs a directory, so that the names created or renamed in it persist.
void sync_directory(const std::string& dir);

}  // namespace mnemo
