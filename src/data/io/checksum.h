// Implements: SHA-256 of files, recorded as provenance of prepared streams.
#pragma once

#include <string>

namespace mnemo::io {

/// Lower-case hex SHA-256 of the file's bytes (as stored, e.g. still gzipped).
std::string sha256_file(const std::string& path);

}  // namespace mnemo::io
