// Implements: the .npy/.npz reader (see npy.h). The header is a Python dict
//   literal; only its three documented keys are read, by a small parser that
//   accepts what NumPy writes (format versions 1.0, 2.0 and 3.0).
#include "data/io/npy.h"

#include <zip.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>

#include "core/error.h"
#include "core/half.h"

namespace mnemo::io {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicLen = 6;
constexpr std::size_t kMaxHeader = 1 << 20;
constexpr int kMaxDims = 32;
constexpr const char* kSupported = "bool, int8..int64, uint8..uint64, float16, float32, float64";

struct DtypeInfo {
  const char* code;  // kind + size, without byte order
  NpyType type;
};
constexpr DtypeInfo kDtypes[] = {
    {"b1", NpyType::kBool},    {"i1", NpyType::kInt8},    {"u1", NpyType::kUInt8},   {"i2", NpyType::kInt16},
    {"u2", NpyType::kUInt16},  {"i4", NpyType::kInt32},   {"u4", NpyType::kUInt32},  {"i8", NpyType::kInt64},
    {"u8", NpyType::kUInt64},  {"f2", NpyType::kFloat16}, {"f4", NpyType::kFloat32}, {"f8", NpyType::kFloat64},
};

[[noreturn]] void bad(const std::string& origin, const std::string& what, const std::string& hint) {
  throw InputError(with_hint(origin + ": " + what, hint));
}

const char* kNotNpy = "the file is damaged or not written by np.save / np.savez";

// The value text of `key` in the header dict, up to its delimiter.
std::string dict_value(const std::string& header, const std::string& key, const std::string& origin) {
  for (const char q : {'\'', '"'}) {
    const std::string k = std::string(1, q) + key + q;
    const auto at = header.find(k);
    if (at == std::string::npos) continue;
    auto p = header.find(':', at + k.size());
    if (p == std::string::npos) break;
    ++p;
    while (p < header.size() && header[p] == ' ') ++p;
    if (p >= header.size()) break;
    if (header[p] == '(') {
      const auto end = header.find(')', p);
      if (end == std::string::npos) break;
      return header.substr(p, end - p + 1);
    }
    if (header[p] == '\'' || header[p] == '"') {
      const auto end = header.find(header[p], p + 1);
      if (end == std::string::npos) break;
      return header.substr(p + 1, end - p - 1);
    }
    auto end = p;
    while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
    return header.substr(p, end - p);
  }
  bad(origin, "the .npy header has no readable '" + key + "' entry", kNotNpy);
}

NpyType parse_descr(const std::string& descr, bool* swap, const std::string& origin) {
  if (descr.size() < 2) bad(origin, "dtype '" + descr + "' is not supported", std::string("supported: ") + kSupported);
  const char order = descr[0];
  std::string code = descr;
  *swap = false;
  if (order == '<' || order == '>' || order == '|' || order == '=') {
    code = descr.substr(1);
    *swap = order == '>';
  }
  for (const auto& d : kDtypes) {
    if (code == d.code) {
      if (element_size(d.type) == 1) *swap = false;
      return d.type;
    }
  }
  bad(origin, "dtype '" + descr + "' is not supported",
      std::string("supported: ") + kSupported + "; convert with arr.astype(np.float32)");
}

std::vector<std::int64_t> parse_shape(const std::string& text, const std::string& origin) {
  std::vector<std::int64_t> shape;
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') bad(origin, "shape '" + text + "' is unreadable", kNotNpy);
  std::size_t p = 1;
  while (p < text.size() - 1) {
    while (p < text.size() - 1 && (text[p] == ' ' || text[p] == ',')) ++p;
    if (p >= text.size() - 1) break;
    std::int64_t v = 0;
    bool digits = false;
    while (p < text.size() - 1 && text[p] >= '0' && text[p] <= '9') {
      if (v > (std::numeric_limits<std::int64_t>::max() - 9) / 10) bad(origin, "shape " + text + " is too large", kNotNpy);
      v = v * 10 + (text[p] - '0');
      digits = true;
      ++p;
    }
    if (p < text.size() - 1 && text[p] == 'L') ++p;  // Python 2 longs
    if (!digits) bad(origin, "shape '" + text + "' is unreadable", kNotNpy);
    shape.push_back(v);
    if (static_cast<int>(shape.size()) > kMaxDims) bad(origin, "shape " + text + " has too many dimensions", kNotNpy);
  }
  return shape;
}

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(with_hint(path + " cannot be opened", "check that the file exists and is readable"));
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

template <typename T>
T load(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

double value_at(const NpyArray& a, std::size_t i) {
  const std::uint8_t* p = a.bytes.data() + i * element_size(a.type);
  switch (a.type) {
    case NpyType::kBool: return *p != 0;
    case NpyType::kInt8: return load<std::int8_t>(p);
    case NpyType::kUInt8: return *p;
    case NpyType::kInt16: return load<std::int16_t>(p);
    case NpyType::kUInt16: return load<std::uint16_t>(p);
    case NpyType::kInt32: return load<std::int32_t>(p);
    case NpyType::kUInt32: return load<std::uint32_t>(p);
    case NpyType::kInt64: return static_cast<double>(load<std::int64_t>(p));
    case NpyType::kUInt64: return static_cast<double>(load<std::uint64_t>(p));
    case NpyType::kFloat16: return half_to_float(load<std::uint16_t>(p));
    case NpyType::kFloat32: return load<float>(p);
    case NpyType::kFloat64: return load<double>(p);
  }
  return 0;
}

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

}  // namespace

std::string npy_type_name(NpyType t) {
  switch (t) {
    case NpyType::kBool: return "bool";
    case NpyType::kInt8: return "int8";
    case NpyType::kUInt8: return "uint8";
    case NpyType::kInt16: return "int16";
    case NpyType::kUInt16: return "uint16";
    case NpyType::kInt32: return "int32";
    case NpyType::kUInt32: return "uint32";
    case NpyType::kInt64: return "int64";
    case NpyType::kUInt64: return "uint64";
    case NpyType::kFloat16: return "float16";
    case NpyType::kFloat32: return "float32";
    case NpyType::kFloat64: return "float64";
  }
  return "?";
}

std::size_t element_size(NpyType t) {
  switch (t) {
    case NpyType::kBool: case NpyType::kInt8: case NpyType::kUInt8: return 1;
    case NpyType::kInt16: case NpyType::kUInt16: case NpyType::kFloat16: return 2;
    case NpyType::kInt32: case NpyType::kUInt32: case NpyType::kFloat32: return 4;
    case NpyType::kInt64: case NpyType::kUInt64: case NpyType::kFloat64: return 8;
  }
  return 1;
}

std::int64_t NpyArray::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

NpyArray parse_npy(const std::uint8_t* data, std::size_t size, const std::string& origin) {
  if (size < kMagicLen + 4 || std::memcmp(data, kMagic, kMagicLen) != 0) {
    bad(origin, "not a .npy array (no \\x93NUMPY magic)", kNotNpy);
  }
  const std::uint8_t major = data[kMagicLen];
  std::size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = data[8] | (static_cast<std::size_t>(data[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) bad(origin, "the .npy header is truncated", kNotNpy);
    header_len = data[8] | (static_cast<std::size_t>(data[9]) << 8) | (static_cast<std::size_t>(data[10]) << 16) |
                 (static_cast<std::size_t>(data[11]) << 24);
    offset = 12;
  } else {
    bad(origin, ".npy format version " + std::to_string(major) + " is not supported", "save it with NumPy's np.save");
  }
  if (header_len > kMaxHeader || header_len > size - offset) bad(origin, "the .npy header is truncated", kNotNpy);
  const std::string header(reinterpret_cast<const char*>(data + offset), header_len);
  offset += header_len;

  NpyArray a;
  a.origin = origin;
  bool swap = false;
  a.type = parse_descr(dict_value(header, "descr", origin), &swap, origin);
  const std::string fortran = dict_value(header, "fortran_order", origin);
  if (fortran.find("True") != std::string::npos) {
    bad(origin, "the array is stored in Fortran (column-major) order", "save np.ascontiguousarray(arr) instead");
  }
  if (fortran.find("False") == std::string::npos) bad(origin, "fortran_order '" + fortran + "' is unreadable", kNotNpy);
  a.shape = parse_shape(dict_value(header, "shape", origin), origin);

  const std::size_t es = element_size(a.type);
  std::size_t want = es;
  for (auto d : a.shape) {
    if (d != 0 && want > std::numeric_limits<std::size_t>::max() / static_cast<std::size_t>(d)) {
      bad(origin, "shape is too large", kNotNpy);
    }
    want *= static_cast<std::size_t>(d);
  }
  const std::size_t have = size - offset;
  if (have != want) {
    bad(origin, "the array holds " + std::to_string(have) + " data bytes; its header's shape and dtype " +
                    npy_type_name(a.type) + " need " + std::to_string(want),
        have < want ? "the file is truncated: save it again" : kNotNpy);
  }
  a.bytes.assign(data + offset, data + offset + want);
  if (swap) {
    for (std::size_t i = 0; i < want; i += es) std::reverse(a.bytes.begin() + i, a.bytes.begin() + i + es);
  }
  return a;
}

NpyArray read_npy(const std::string& path) {
  const auto bytes = read_file(path);
  return parse_npy(bytes.data(), bytes.size(), path);
}

std::map<std::string, NpyArray> read_npz(const std::string& path) {
  int err = 0;
  std::unique_ptr<zip_t, ZipCloser> z(zip_open(path.c_str(), ZIP_RDONLY, &err));
  if (!z) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, err);
    const std::string why = zip_error_strerror(&ze);
    zip_error_fini(&ze);
    throw InputError(with_hint(path + " cannot be read as a .npz archive: " + why,
                               "give a file written by np.savez / np.savez_compressed, or a directory of .npy files"));
  }
  std::map<std::string, NpyArray> out;
  const zip_int64_t n = zip_get_num_entries(z.get(), 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    if (zip_stat_index(z.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0 || st.name == nullptr) continue;
    std::string name = st.name;
    const std::string origin = path + ":" + name;
    if (name.size() < 4 || name.compare(name.size() - 4, 4, ".npy") != 0) continue;
    if (!(st.valid & ZIP_STAT_SIZE) || st.size > (std::uint64_t{1} << 40)) bad(origin, "the entry has no usable size", kNotNpy);
    std::unique_ptr<zip_file_t, ZipFileCloser> f(zip_fopen_index(z.get(), static_cast<zip_uint64_t>(i), 0));
    if (!f) bad(origin, std::string("the entry cannot be opened: ") + zip_strerror(z.get()), kNotNpy);
    // The directory's size is only a claim (fuzzing found 1 TiB claimed by a 400-byte file): memory grows
    // with the bytes that really inflate, at most the claimed size.
    const auto declared = static_cast<std::size_t>(st.size);
    std::vector<std::uint8_t> buf;
    while (buf.size() < declared) {
      const std::size_t got = buf.size(), want = std::min<std::size_t>(declared - got, std::size_t{1} << 24);
      buf.resize(got + want);
      const zip_int64_t r = zip_fread(f.get(), buf.data() + got, want);
      if (r <= 0) bad(origin, "the entry is truncated or damaged", "write the archive again");
      buf.resize(got + static_cast<std::size_t>(r));
    }
    out[name.substr(0, name.size() - 4)] = parse_npy(buf.data(), buf.size(), origin);
  }
  return out;
}

std::vector<float> to_float32(const NpyArray& a) {
  const auto n = static_cast<std::size_t>(a.numel());
  std::vector<float> out(n);
  if (a.type == NpyType::kFloat32) {
    std::memcpy(out.data(), a.bytes.data(), n * sizeof(float));
    return out;
  }
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(value_at(a, i));
  return out;
}

std::vector<std::int64_t> to_int64(const NpyArray& a) {
  const auto n = static_cast<std::size_t>(a.numel());
  std::vector<std::int64_t> out(n);
  const bool is_float = a.type == NpyType::kFloat16 || a.type == NpyType::kFloat32 || a.type == NpyType::kFloat64;
  for (std::size_t i = 0; i < n; ++i) {
    if (a.type == NpyType::kInt64 || a.type == NpyType::kUInt64) {
      out[i] = load<std::int64_t>(a.bytes.data() + i * 8);
      if (a.type == NpyType::kUInt64 && out[i] < 0) bad(a.origin, "element " + std::to_string(i) + " is too large", "values must fit in int64");
      continue;
    }
    const double v = value_at(a, i);
    if (is_float && (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9.0e15)) {
      bad(a.origin, "element " + std::to_string(i) + " (" + std::to_string(v) + ") is not a whole number",
          "labels must be integer class ids: save them with .astype(np.int64)");
    }
    out[i] = static_cast<std::int64_t>(v);
  }
  return out;
}

}  // namespace mnemo::io
