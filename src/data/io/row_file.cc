// Implements: RowFile.
#include "data/io/row_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/error.h"

namespace mnemo::io {

RowFile::RowFile(const std::string& path) : path_(path), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
  if (fd_ < 0) throw InputError("cannot open " + path + ": " + std::strerror(errno));
}

RowFile::~RowFile() {
  if (fd_ >= 0) ::close(fd_);
}

RowFile::RowFile(RowFile&& o) noexcept : path_(std::move(o.path_)), fd_(std::exchange(o.fd_, -1)) {}

RowFile& RowFile::operator=(RowFile&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(o.path_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

void RowFile::read_at(std::int64_t offset, std::int64_t bytes, void* out) const {
  auto* dst = static_cast<char*>(out);
  while (bytes > 0) {
    const ssize_t got = ::pread(fd_, dst, static_cast<std::size_t>(bytes), static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      throw InputError(with_hint("cannot read " + std::to_string(bytes) + " bytes at offset " + std::to_string(offset) +
                                     " of " + path_ + ": " +
                                     (got == 0 ? std::string("the file ends first") : std::strerror(errno)),
                                 "the file may be truncated or damaged; prepare the stream again"));
    }
    dst += got;
    offset += got;
    bytes -= got;
  }
}

}  // namespace mnemo::io
