// Implements: RowFile.
#include "data/io/row_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "core/error.h"

namespace mnemo::io {

namespace {

std::int64_t file_size(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw InputError("cannot stat " + path + ": " + std::strerror(errno));
  return static_cast<std::int64_t>(st.st_size);
}

}  // namespace

RowFile::RowFile(const std::string& path) : path_(path), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
  if (fd_ < 0) throw InputError("cannot open " + path + ": " + std::strerror(errno));
  size_ = file_size(fd_, path_);
  if (size_ > 0) {
    void* m = ::mmap(nullptr, static_cast<std::size_t>(size_.load()), PROT_READ, MAP_SHARED, fd_, 0);
    if (m != MAP_FAILED) {
      map_ = static_cast<const char*>(m);
      mapped_ = size_;
    }
  }
}

RowFile::~RowFile() { close(); }

void RowFile::close() {
  if (map_ != nullptr) ::munmap(const_cast<char*>(map_), static_cast<std::size_t>(mapped_));
  if (fd_ >= 0) ::close(fd_);
  map_ = nullptr;
  fd_ = -1;
}

RowFile::RowFile(RowFile&& o) noexcept
    : path_(std::move(o.path_)),
      fd_(std::exchange(o.fd_, -1)),
      map_(std::exchange(o.map_, nullptr)),
      mapped_(std::exchange(o.mapped_, 0)),
      size_(o.size_.load()) {}

RowFile& RowFile::operator=(RowFile&& o) noexcept {
  if (this != &o) {
    close();
    path_ = std::move(o.path_);
    fd_ = std::exchange(o.fd_, -1);
    map_ = std::exchange(o.map_, nullptr);
    mapped_ = std::exchange(o.mapped_, 0);
    size_ = o.size_.load();
  }
  return *this;
}

void RowFile::check_size() const { size_ = file_size(fd_, path_); }

void RowFile::ends_first(std::int64_t offset, std::int64_t bytes, const std::string& why) const {
  throw InputError(with_hint("cannot read " + std::to_string(bytes) + " bytes at offset " + std::to_string(offset) +
                                 " of " + path_ + ": " + why,
                             "the file may be truncated or damaged; prepare the stream again"));
}

void RowFile::read_at(std::int64_t offset, std::int64_t bytes, void* out) const {
  if (offset < 0 || offset + bytes > size_) ends_first(offset, bytes, "the file ends first");
  if (map_ != nullptr && offset + bytes <= mapped_) {
    std::memcpy(out, map_ + offset, static_cast<std::size_t>(bytes));
    return;
  }
  auto* dst = static_cast<char*>(out);
  while (bytes > 0) {
    const ssize_t got = ::pread(fd_, dst, static_cast<std::size_t>(bytes), static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) ends_first(offset, bytes, got == 0 ? std::string("the file ends first") : std::strerror(errno));
    dst += got;
    offset += got;
    bytes -= got;
  }
}

void RowFile::read_span(std::int64_t begin, std::int64_t end) const {
  if (map_ == nullptr) return;
  std::lock_guard<std::mutex> lock(span_mutex_);
  if (span_end_ <= span_begin_) {
    span_begin_ = begin;
    span_end_ = end;
  } else {
    span_begin_ = std::min(span_begin_, begin);
    span_end_ = std::max(span_end_, end);
  }
  if (span_end_ - span_begin_ <= kResidentBytes) return;
  const std::int64_t page = ::sysconf(_SC_PAGESIZE);
  const std::int64_t from = span_begin_ / page * page, to = std::min(span_end_, mapped_);
  if (to > from) ::madvise(const_cast<char*>(map_) + from, static_cast<std::size_t>(to - from), MADV_DONTNEED);
  span_begin_ = span_end_ = 0;
}

}  // namespace mnemo::io
