// Implements: the IDX reader/writer. zlib's gz* functions read raw files
//   transparently, so one code path serves .gz and uncompressed files.
#include "data/io/idx.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>

#include "core/error.h"

namespace mnemo::io {
namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

constexpr std::uint8_t kTypeUnsignedByte = 0x08;
constexpr int kMaxDims = 4;

std::string hint_redownload() {
  return "the file is damaged or not an IDX file: fetch it again (for Debian's Fashion-MNIST: "
         "apt-get install --reinstall dataset-fashion-mnist)";
}

std::string hex_byte(std::uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%02X", b);
  return buf;
}

// Reads exactly n bytes or reports how many were there.
void read_exact(gzFile f, void* buf, std::size_t n, const std::string& path, const char* what) {
  std::size_t done = 0;
  auto* out = static_cast<char*>(buf);
  while (done < n) {
    const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 30));
    const int got = gzread(f, out + done, chunk);
    if (got < 0) {
      int errnum = 0;
      throw InputError(with_hint("IDX file " + path + ": cannot read " + what + ": " + gzerror(f, &errnum),
                                 hint_redownload()));
    }
    if (got == 0) {
      throw InputError(with_hint("IDX file " + path + " is truncated: " + what + " needs " + std::to_string(n) +
                                     " bytes, found " + std::to_string(done),
                                 hint_redownload()));
    }
    done += static_cast<std::size_t>(got);
  }
}

}  // namespace

IdxArray read_idx(const std::string& path) {
  GzFile f(gzopen(path.c_str(), "rb"));
  if (!f) {
    throw InputError(with_hint("cannot open IDX file " + path,
                               "check the path; for Fashion-MNIST run apt-get install dataset-fashion-mnist"));
  }
  std::array<std::uint8_t, 4> magic{};
  read_exact(f.get(), magic.data(), magic.size(), path, "the magic number");
  if (magic[0] != 0 || magic[1] != 0) {
    throw InputError(with_hint("IDX file " + path + " has a bad magic number (first bytes are not 0x00 0x00)",
                               "this is not an IDX file; pass the *-idx?-ubyte(.gz) files"));
  }
  if (magic[2] != kTypeUnsignedByte) {
    throw InputError(with_hint("IDX file " + path + " has element type " + hex_byte(magic[2]) +
                                   "; mnemo reads unsigned-byte (0x08) IDX files only",
                               "convert the data to uint8 or use an HDF5 source"));
  }
  const int ndims = magic[3];
  if (ndims < 1 || ndims > kMaxDims) {
    throw InputError(with_hint("IDX file " + path + " declares " + std::to_string(ndims) +
                                   " dimensions; expected 1 to " + std::to_string(kMaxDims),
                               hint_redownload()));
  }
  IdxArray out;
  std::size_t total = 1;
  for (int d = 0; d < ndims; ++d) {
    std::array<std::uint8_t, 4> be{};
    read_exact(f.get(), be.data(), be.size(), path, "the dimension header");
    const std::uint32_t dim = (std::uint32_t(be[0]) << 24) | (std::uint32_t(be[1]) << 16) |
                              (std::uint32_t(be[2]) << 8) | std::uint32_t(be[3]);
    if (dim == 0 || dim > (1u << 28)) {
      throw InputError(with_hint("IDX file " + path + " has an implausible size " + std::to_string(dim) +
                                     " in dimension " + std::to_string(d),
                                 hint_redownload()));
    }
    out.shape.push_back(dim);
    total *= dim;
    if (total > (std::size_t(1) << 34)) {
      throw InputError(with_hint("IDX file " + path + " declares more than 16 GiB of data", hint_redownload()));
    }
  }
  // Grow the buffer as the bytes arrive: a header that declares gigabytes
  // in a short (or hostile) file must fail as truncated, not allocate them.
  constexpr std::size_t kChunk = std::size_t(16) << 20;
  for (std::size_t done = 0; done < total;) {
    const std::size_t n = std::min(kChunk, total - done);
    out.data.resize(done + n);
    const int got = gzread(f.get(), out.data.data() + done, static_cast<unsigned>(n));
    if (got < 0) {
      int errnum = 0;
      throw InputError(with_hint("IDX file " + path + ": cannot read the data: " + gzerror(f.get(), &errnum),
                                 hint_redownload()));
    }
    if (got == 0) {
      throw InputError(with_hint("IDX file " + path + " is truncated: the data needs " + std::to_string(total) +
                                     " bytes, found " + std::to_string(done),
                                 hint_redownload()));
    }
    done += static_cast<std::size_t>(got);
    out.data.resize(done);
  }
  char extra = 0;
  if (gzread(f.get(), &extra, 1) > 0) {
    throw InputError(with_hint("IDX file " + path + " has bytes after the declared data", hint_redownload()));
  }
  return out;
}

void write_idx(const std::string& path, const IdxArray& array, bool gzip) {
  GzFile f(gzopen(path.c_str(), gzip ? "wb6" : "wbT"));
  if (!f) throw InputError("cannot create IDX file " + path);
  std::vector<std::uint8_t> header = {0, 0, kTypeUnsignedByte, static_cast<std::uint8_t>(array.shape.size())};
  for (auto d : array.shape) {
    for (int s = 24; s >= 0; s -= 8) header.push_back(static_cast<std::uint8_t>((d >> s) & 0xff));
  }
  auto put = [&](const void* p, std::size_t n) {
    if (n > 0 && gzwrite(f.get(), p, static_cast<unsigned>(n)) != static_cast<int>(n)) {
      throw InputError("cannot write IDX file " + path);
    }
  };
  put(header.data(), header.size());
  put(array.data.data(), array.data.size());
}

}  // namespace mnemo::io
