// Implements: plain positioned reads of a file (pread), for the rows of
//   unfiltered HDF5 datasets whose offsets h5::direct_rows found. Reading a
//   rank's scattered share of a window this way costs under a microsecond a
//   row; HDF5's own reads of the same selection, ~30 us.
#pragma once

#include <cstdint>
#include <string>

namespace mnemo::io {

class RowFile {
 public:
  /// Opens `path` read-only; InputError naming it when it cannot.
  explicit RowFile(const std::string& path);
  ~RowFile();
  RowFile(RowFile&& o) noexcept;
  RowFile& operator=(RowFile&& o) noexcept;
  RowFile(const RowFile&) = delete;
  RowFile& operator=(const RowFile&) = delete;

  /// Reads `bytes` at `offset` into `out` (several threads may read at
  /// once); an InputError naming the file and the offset when the file
  /// ends first or the read fails.
  void read_at(std::int64_t offset, std::int64_t bytes, void* out) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace mnemo::io
