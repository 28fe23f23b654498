// Implements: positioned reads of a file's rows, for the rows of unfiltered
//   HDF5 datasets whose offsets h5::direct_rows found. The file is mapped
//   read-only and a row is one copy out of the page cache, with no system
//   call: a rank's scattered share of a task costs 0.09 us a row this way
//   once mapped, a pread a row ~0.9 us, HDF5's own read of the same
//   selection ~40 us (tests/bench/input_bench.cc). Where the file cannot be
//   mapped, pread.
//   A file cut while open is caught at the next check_size(), an
//   InputError; one cut between that check and a read is a SIGBUS.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

namespace mnemo::io {

class RowFile {
 public:
  /// Opens (and maps) `path` read-only; InputError naming it when it cannot.
  explicit RowFile(const std::string& path);
  ~RowFile();
  RowFile(RowFile&& o) noexcept;
  RowFile& operator=(RowFile&& o) noexcept;
  RowFile(const RowFile&) = delete;
  RowFile& operator=(const RowFile&) = delete;

  /// Re-reads the file's size, which read_at checks against.
  void check_size() const;
  /// Reads `bytes` at `offset` into `out` (several threads may read at
  /// once); an InputError naming the file and the offset when the file
  /// ends first or the read fails.
  void read_at(std::int64_t offset, std::int64_t bytes, void* out) const;
  /// Notes that [begin, end) was read. Once the span read since the last
  /// drop exceeds kResidentBytes, its mapped pages leave this process (they
  /// stay in the page cache): resident memory does not grow with the rows
  /// read, and a stream's small tasks stay mapped from epoch to epoch.
  void read_span(std::int64_t begin, std::int64_t end) const;
  static constexpr std::int64_t kResidentBytes = std::int64_t{64} << 20;
  const std::string& path() const { return path_; }

 private:
  void close();
  [[noreturn]] void ends_first(std::int64_t offset, std::int64_t bytes, const std::string& why) const;

  std::string path_;
  int fd_ = -1;
  const char* map_ = nullptr;  // the whole file as mapped at open; null: pread
  std::int64_t mapped_ = 0;
  mutable std::atomic<std::int64_t> size_{0};
  mutable std::mutex span_mutex_;
  mutable std::int64_t span_begin_ = 0, span_end_ = 0;  // read since the last drop
};

}  // namespace mnemo::io
