// Implements: reading and writing IDX files (the MNIST family's format),
//   gzip-compressed or raw. Only unsigned-byte (type 0x08) payloads exist in
//   the datasets mnemo reads; other types are rejected with a clear error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mnemo::io {

struct IdxArray {
  std::vector<std::int64_t> shape;   ///< e.g. {60000, 28, 28} or {60000}
  std::vector<std::uint8_t> data;    ///< row-major, product(shape) bytes
  std::int64_t count() const { return shape.empty() ? 0 : shape[0]; }
};

/// Reads `path` (gz or raw). Throws InputError naming the file for a missing
/// file, bad magic, unsupported type, truncated data or trailing bytes.
IdxArray read_idx(const std::string& path);

/// Writes `array` as IDX (type 0x08), gzip-compressed when `gzip` is true.
void write_idx(const std::string& path, const IdxArray& array, bool gzip);

}  // namespace mnemo::io
