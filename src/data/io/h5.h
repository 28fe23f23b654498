// Implements: a thin RAII layer over the HDF5 C API (HDF5's C++ API is not
//   thread-safe-built in Debian and hides the error stack).
//   - Handle: owns one hid_t and closes it with the right H5*close.
//   - Each helper wraps one HDF5 call sequence; a failure throws an error
//     carrying the file, the object path and HDF5's own error stack:
//     reading, an InputError with the hint the file was opened with (what
//     to do about a damaged file of its kind, which only its reader knows);
//     creating, writing or closing, a StorageError (disk full, permissions).
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mnemo::io::h5 {

/// Owns an HDF5 identifier.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : id_(o.id_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = o.id_;
      o.id_ = H5I_INVALID_HID;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t id() const { return id_; }
  /// Gives up ownership, returning the identifier.
  hid_t release() {
    const hid_t id = id_;
    id_ = H5I_INVALID_HID;
    return id;
  }
  void reset();

 private:
  hid_t id_ = H5I_INVALID_HID;
};

/// An open file plus its path, which every error message names.
class File {
 public:
  /// The hint of a file nobody gave a better one to.
  static constexpr const char* kDamagedFileHint = "check the path; the file may be truncated or damaged";

  /// Creates (truncates) `path` for writing; StorageError if it cannot.
  /// `large_attributes`: the root group keeps its attributes in dense
  /// storage (HDF5 1.8 format), which lifts the 64 KiB cap on one
  /// attribute (results.h5's `results_json` of a long stream).
  static File create(const std::string& path, bool large_attributes = false);
  /// Opens an existing file read-only. A missing or non-HDF5 file, and
  /// every later read failure, is an InputError naming the file, with
  /// `damaged_hint` as its hint.
  static File open(const std::string& path, const std::string& damaged_hint = kDamagedFileHint);

  hid_t id() const { return handle_.id(); }
  const std::string& path() const { return path_; }
  /// The hint of this file's read errors.
  const std::string& damaged_hint() const { return damaged_hint_; }
  /// Flushes and closes, reporting write failures (the destructor cannot)
  /// as a StorageError.
  void close();

 private:
  File(Handle h, std::string path, std::string damaged_hint)
      : handle_(std::move(h)), path_(std::move(path)), damaged_hint_(std::move(damaged_hint)) {}
  Handle handle_;
  std::string path_;
  std::string damaged_hint_;
};

template <class T> hid_t native_type();

/// Location of an object inside a file, for messages: "file.h5:/task_000/train".
struct Loc {
  const File& file;
  hid_t id;          ///< file or group id
  std::string path;  ///< object path inside the file
  std::string describe(const std::string& name = "") const;
};

Handle create_group(const Loc& loc, const std::string& name);
Handle open_group(const Loc& loc, const std::string& name);
bool exists(const Loc& loc, const std::string& name);
bool has_attr(const Loc& loc, const std::string& name);

void write_attr(const Loc& loc, const std::string& name, const std::string& value);
void write_attr(const Loc& loc, const std::string& name, std::int64_t value);
void write_attr(const Loc& loc, const std::string& name, const std::vector<std::int64_t>& value);
void write_attr(const Loc& loc, const std::string& name, const std::vector<double>& value);
std::string read_attr_string(const Loc& loc, const std::string& name);
std::int64_t read_attr_int(const Loc& loc, const std::string& name);
std::vector<std::int64_t> read_attr_ints(const Loc& loc, const std::string& name);
std::vector<double> read_attr_doubles(const Loc& loc, const std::string& name);

/// IEEE binary16 (libhdf5 1.10 has no native half type); the layout h5py
/// and NumPy's float16 use. Owned by the library: do not close it.
hid_t ieee_half_type();

/// Writes an N-d dataset, chunked by `chunk_rows` along dim 0, deflate level `deflate` (0: none).
template <class T>
void write_dataset(const Loc& loc, const std::string& name, const std::vector<std::int64_t>& shape,
                   const T* data, std::int64_t chunk_rows, int deflate);

/// write_dataset for elements of HDF5 type `mem_type` (stored as that type).
void write_dataset_typed(const Loc& loc, const std::string& name, const std::vector<std::int64_t>& shape,
                         const void* data, hid_t mem_type, std::int64_t chunk_rows, int deflate);

/// True when the dataset's elements are floating point.
bool is_float_dataset(const Loc& loc, const std::string& name);

/// A dataset's element type: its class (integer or float), size and sign.
struct ElementType {
  bool is_float = false;
  bool is_signed = false;
  std::size_t bytes = 0;
  /// "uint8", "int64", "float32", ... (numpy's names).
  std::string name() const;
};
ElementType dataset_element_type(const Loc& loc, const std::string& name);

/// Shape of a dataset.
std::vector<std::int64_t> dataset_shape(const Loc& loc, const std::string& name);

/// Reads rows [begin, end) along dim 0 with a hyperslab into `out`
/// (which must hold (end-begin) * row_size elements). Checks the stored type class.
template <class T>
void read_rows(const Loc& loc, const std::string& name, std::int64_t begin, std::int64_t end, T* out);

/// read_rows into elements of HDF5 type `mem_type`; HDF5 converts between
/// numeric types (the caller checks the stored type first when it matters).
void read_rows_typed(const Loc& loc, const std::string& name, std::int64_t begin, std::int64_t end, void* out,
                     hid_t mem_type);

/// Reads the rows `rows` (increasing) along dim 0 into `out`, one after the
/// other, through one HDF5 selection (a union of hyperslabs). Correct for
/// any layout, but HDF5 walks such a selection slowly (~30 us a row):
/// prefer direct_rows' file offsets where they exist.
void read_row_set_typed(const Loc& loc, const std::string& name, const std::vector<std::int64_t>& rows, void* out,
                        hid_t mem_type);

/// Where each row of a dataset lies in its file, when its rows can be read
/// with plain file reads: no filters (compression), elements stored as
/// `mem_type`, every chunk allocated. Row i is at
/// chunk_offsets[i / chunk_rows] + (i % chunk_rows) * row_bytes.
struct RowOffsets {
  std::int64_t row_bytes = 0;
  std::int64_t chunk_rows = 0;                 ///< rows per chunk (a contiguous dataset: all of them)
  std::vector<std::int64_t> chunk_offsets;     ///< bytes from the file's start
  std::int64_t offset(std::int64_t row) const {
    return chunk_offsets[static_cast<std::size_t>(row / chunk_rows)] + (row % chunk_rows) * row_bytes;
  }
};
/// The dataset's RowOffsets; empty (no chunk_offsets) when its rows cannot be
/// read directly, or it has none.
RowOffsets direct_rows(const Loc& loc, const std::string& name, hid_t mem_type);

/// Whether libhdf5 was built thread-safe (then a reader thread may prefetch
/// while the main thread uses other files).
bool library_threadsafe();

}  // namespace mnemo::io::h5
