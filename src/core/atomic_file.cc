// Implements: write_file_atomically, commit_file and the fsync helpers with
//   POSIX calls (fsync is not in <fstream>).
#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace mnemo {

namespace {

// Throws StorageError: what, the path and errno's description.
[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw StorageError(what + " " + path + ": " + std::strerror(errno));
}

// Removes the temporary file `tmp`, then fails as above.
[[noreturn]] void discard_and_fail(const std::string& tmp, const std::string& what, const std::string& path) {
  const int saved = errno;
  ::unlink(tmp.c_str());
  errno = saved;
  fail(what, path);
}

// fsyncs `path` opened with `flags`; false (errno set) on failure.
bool fsync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return false;
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return rc == 0;
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create", tmp);
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      errno = saved;
      discard_and_fail(tmp, "cannot write", tmp);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) discard_and_fail(tmp, "cannot write", tmp);
  commit_file(tmp, path);
}

void commit_file(const std::string& tmp, const std::string& path) {
  if (!fsync_path(tmp, O_RDONLY)) discard_and_fail(tmp, "cannot sync", tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) discard_and_fail(tmp, "cannot rename " + tmp + " to", path);
  const std::string dir = std::filesystem::path(path).parent_path().string();
  sync_directory(dir.empty() ? "." : dir);
}

void sync_file(const std::string& path) {
  if (!fsync_path(path, O_RDONLY)) fail("cannot sync", path);
}

void sync_directory(const std::string& dir) {
  // Some file systems cannot fsync a directory (EINVAL); their renames are
  // as durable as they get.
  if (!fsync_path(dir, O_RDONLY | O_DIRECTORY) && errno != EINVAL) fail("cannot sync directory", dir);
}

}  // namespace mnemo
