// Implements: the HDF5 RAII helpers. HDF5's automatic error printing is
//   switched off; on failure the error stack is walked and put into the
//   exception text instead, after the file and object names. Read failures
//   are InputErrors with the file's own hint; write failures StorageErrors.
#include "data/io/h5.h"

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <sstream>

#include "core/error.h"

namespace mnemo::io::h5 {
namespace {

herr_t collect(unsigned n, const H5E_error2_t* err, void* data) {
  auto* out = static_cast<std::string*>(data);
  if (n < 4) {  // the innermost few frames say what went wrong
    *out += "\n    HDF5: ";
    *out += err->desc != nullptr ? err->desc : "";
    *out += " (";
    *out += err->func_name != nullptr ? err->func_name : "";
    *out += ")";
  }
  return 0;
}

std::string error_stack() {
  std::string out;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect, &out);
  H5Eclear2(H5E_DEFAULT);
  return out;
}

struct SilenceHdf5 {
  SilenceHdf5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }
};
const SilenceHdf5 kSilence;

// A read of `file` found it missing, damaged or not what was expected.
[[noreturn]] void bad_input(const File& file, const std::string& what) {
  throw InputError(with_hint(what, file.damaged_hint()));
}

// `rc` (an identifier or a status) of a read call; negative: bad input.
hid_t check_read(const File& file, hid_t rc, const std::string& what) {
  if (rc < 0) bad_input(file, what + error_stack());
  return rc;
}

// `rc` of a call that creates or writes; negative: a storage failure.
hid_t check_write(hid_t rc, const std::string& what) {
  if (rc < 0) throw StorageError(what + error_stack());
  return rc;
}

Handle open_attr(const Loc& loc, const std::string& name) {
  if (H5Aexists(loc.id, name.c_str()) <= 0) bad_input(loc.file, loc.describe() + " has no attribute '" + name + "'");
  return Handle(check_read(loc.file, H5Aopen(loc.id, name.c_str(), H5P_DEFAULT),
                           "cannot open attribute " + loc.describe(name)));
}

Handle open_dataset(const Loc& loc, const std::string& name) {
  if (!exists(loc, name)) bad_input(loc.file, loc.describe(name) + " is missing");
  return Handle(check_read(loc.file, H5Dopen2(loc.id, name.c_str(), H5P_DEFAULT),
                           "cannot open dataset " + loc.describe(name)));
}

}  // namespace

template <> hid_t native_type<std::uint8_t>() { return H5T_NATIVE_UINT8; }
template <> hid_t native_type<std::int64_t>() { return H5T_NATIVE_INT64; }
template <> hid_t native_type<float>() { return H5T_NATIVE_FLOAT; }
template <> hid_t native_type<double>() { return H5T_NATIVE_DOUBLE; }

void Handle::reset() {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE: H5Fclose(id_); break;
    case H5I_GROUP: H5Gclose(id_); break;
    case H5I_DATASET: H5Dclose(id_); break;
    case H5I_DATASPACE: H5Sclose(id_); break;
    case H5I_ATTR: H5Aclose(id_); break;
    case H5I_DATATYPE: H5Tclose(id_); break;
    case H5I_GENPROP_LST: H5Pclose(id_); break;
    default: break;
  }
  id_ = H5I_INVALID_HID;
}

File File::create(const std::string& path, bool large_attributes) {
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE)), fapl(H5Pcreate(H5P_FILE_ACCESS));
  if (large_attributes) {
    H5Pset_attr_phase_change(fcpl.id(), 0, 0);  // dense from the first attribute
    H5Pset_libver_bounds(fapl.id(), H5F_LIBVER_V18, H5F_LIBVER_V18);  // readable by HDF5 1.8 and later
  }
  const hid_t id = check_write(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.id(), fapl.id()),
                               "cannot create HDF5 file " + path);
  return File(Handle(id), path, kDamagedFileHint);
}

File File::open(const std::string& path, const std::string& damaged_hint) {
  File file(Handle(), path, damaged_hint);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    bad_input(file, "file " + path + " does not exist or is not a regular file");
  }
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    error_stack();
    bad_input(file, "cannot open " + path + " as an HDF5 file (missing, unreadable, truncated or not HDF5)");
  }
  file.handle_ = Handle(check_read(file, H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT),
                                   "cannot open HDF5 file " + path));
  return file;
}

void File::close() {
  if (handle_.id() < 0) return;
  const hid_t id = handle_.release();
  const bool flushed = H5Fflush(id, H5F_SCOPE_LOCAL) >= 0;
  const bool closed = H5Fclose(id) >= 0;
  if (!flushed || !closed) throw StorageError("cannot write HDF5 file " + path_ + error_stack());
}

std::string Loc::describe(const std::string& name) const {
  std::string p = path.empty() ? "/" : path;
  if (!name.empty()) p += (p.back() == '/' ? "" : "/") + name;
  return file.path() + ":" + p;
}

Handle create_group(const Loc& loc, const std::string& name) {
  return Handle(check_write(H5Gcreate2(loc.id, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                            "cannot create group " + loc.describe(name)));
}

Handle open_group(const Loc& loc, const std::string& name) {
  if (!exists(loc, name)) bad_input(loc.file, loc.describe(name) + " is missing");
  return Handle(check_read(loc.file, H5Gopen2(loc.id, name.c_str(), H5P_DEFAULT),
                           "cannot open group " + loc.describe(name)));
}

bool library_threadsafe() {
  hbool_t safe = 0;
  return H5is_library_threadsafe(&safe) >= 0 && safe;
}

bool has_attr(const Loc& loc, const std::string& name) {
  return H5Aexists(loc.id, name.c_str()) > 0;
}

bool exists(const Loc& loc, const std::string& name) {
  return H5Lexists(loc.id, name.c_str(), H5P_DEFAULT) > 0;
}

void write_attr(const Loc& loc, const std::string& name, const std::string& value) {
  const std::string what = "cannot write attribute " + loc.describe(name);
  Handle type(check_write(H5Tcopy(H5T_C_S1), what));
  check_write(H5Tset_size(type.id(), std::max<std::size_t>(1, value.size())), what);
  Handle space(check_write(H5Screate(H5S_SCALAR), what));
  Handle attr(check_write(H5Acreate2(loc.id, name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT), what));
  std::string padded = value.empty() ? std::string(1, '\0') : value;
  check_write(H5Awrite(attr.id(), type.id(), padded.data()), what);
}

void write_attr(const Loc& loc, const std::string& name, std::int64_t value) {
  write_attr(loc, name, std::vector<std::int64_t>{value});
}

void write_attr(const Loc& loc, const std::string& name, const std::vector<std::int64_t>& value) {
  const std::string what = "cannot write attribute " + loc.describe(name);
  hsize_t n = value.size();
  Handle space(check_write(n == 0 ? H5Screate(H5S_NULL) : H5Screate_simple(1, &n, nullptr), what));
  Handle attr(
      check_write(H5Acreate2(loc.id, name.c_str(), H5T_STD_I64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT), what));
  if (n > 0) check_write(H5Awrite(attr.id(), H5T_NATIVE_INT64, value.data()), what);
}

void write_attr(const Loc& loc, const std::string& name, const std::vector<double>& value) {
  const std::string what = "cannot write attribute " + loc.describe(name);
  hsize_t n = value.size();
  Handle space(check_write(n == 0 ? H5Screate(H5S_NULL) : H5Screate_simple(1, &n, nullptr), what));
  Handle attr(
      check_write(H5Acreate2(loc.id, name.c_str(), H5T_IEEE_F64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT), what));
  if (n > 0) check_write(H5Awrite(attr.id(), H5T_NATIVE_DOUBLE, value.data()), what);
}

std::string read_attr_string(const Loc& loc, const std::string& name) {
  const std::string what = "cannot read attribute " + loc.describe(name);
  Handle attr = open_attr(loc, name);
  Handle type(check_read(loc.file, H5Aget_type(attr.id()), what));
  if (H5Tget_class(type.id()) != H5T_STRING || H5Tis_variable_str(type.id()) > 0) {
    bad_input(loc.file, loc.describe() + ": attribute '" + name + "' is not a fixed-length string");
  }
  std::string out(H5Tget_size(type.id()), '\0');
  check_read(loc.file, H5Aread(attr.id(), type.id(), out.data()), what);
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

std::int64_t read_attr_int(const Loc& loc, const std::string& name) {
  auto v = read_attr_ints(loc, name);
  if (v.size() != 1) {
    bad_input(loc.file, loc.describe() + ": attribute '" + name + "' should hold one integer, holds " +
                            std::to_string(v.size()));
  }
  return v[0];
}

std::vector<std::int64_t> read_attr_ints(const Loc& loc, const std::string& name) {
  const std::string what = "cannot read attribute " + loc.describe(name);
  Handle attr = open_attr(loc, name);
  Handle type(check_read(loc.file, H5Aget_type(attr.id()), what));
  if (H5Tget_class(type.id()) != H5T_INTEGER) {
    bad_input(loc.file, loc.describe() + ": attribute '" + name + "' is not an integer");
  }
  Handle space(check_read(loc.file, H5Aget_space(attr.id()), what));
  const hssize_t n = H5Sget_simple_extent_npoints(space.id());
  std::vector<std::int64_t> out(static_cast<std::size_t>(std::max<hssize_t>(0, n)));
  if (!out.empty()) check_read(loc.file, H5Aread(attr.id(), H5T_NATIVE_INT64, out.data()), what);
  return out;
}

void write_dataset_typed(const Loc& loc, const std::string& name, const std::vector<std::int64_t>& shape,
                         const void* data, hid_t mem_type, std::int64_t chunk_rows, int deflate) {
  const std::string what = "cannot write dataset " + loc.describe(name);
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Handle space(check_write(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), what));
  Handle props(check_write(H5Pcreate(H5P_DATASET_CREATE), what));
  if (!dims.empty() && dims[0] > 0) {
    std::vector<hsize_t> chunk = dims;
    chunk[0] = static_cast<hsize_t>(std::clamp<std::int64_t>(chunk_rows, 1, shape[0]));
    check_write(H5Pset_chunk(props.id(), static_cast<int>(chunk.size()), chunk.data()), what);
    if (deflate > 0) {
      check_write(H5Pset_shuffle(props.id()), what);
      check_write(H5Pset_deflate(props.id(), static_cast<unsigned>(deflate)), what);
    }
  }
  Handle ds(check_write(H5Dcreate2(loc.id, name.c_str(), mem_type, space.id(), H5P_DEFAULT, props.id(), H5P_DEFAULT),
                        what));
  const bool empty = std::any_of(shape.begin(), shape.end(), [](std::int64_t d) { return d == 0; });
  if (!empty) check_write(H5Dwrite(ds.id(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), what);
}

std::vector<double> read_attr_doubles(const Loc& loc, const std::string& name) {
  const std::string what = "cannot read attribute " + loc.describe(name);
  Handle attr = open_attr(loc, name);
  Handle type(check_read(loc.file, H5Aget_type(attr.id()), what));
  if (H5Tget_class(type.id()) != H5T_FLOAT) {
    bad_input(loc.file, loc.describe() + ": attribute '" + name + "' is not floating point");
  }
  Handle space(check_read(loc.file, H5Aget_space(attr.id()), what));
  const hssize_t n = H5Sget_simple_extent_npoints(space.id());
  std::vector<double> out(static_cast<std::size_t>(std::max<hssize_t>(0, n)));
  if (!out.empty()) check_read(loc.file, H5Aread(attr.id(), H5T_NATIVE_DOUBLE, out.data()), what);
  return out;
}

template <class T>
void write_dataset(const Loc& loc, const std::string& name, const std::vector<std::int64_t>& shape,
                   const T* data, std::int64_t chunk_rows, int deflate) {
  write_dataset_typed(loc, name, shape, data, native_type<T>(), chunk_rows, deflate);
}

hid_t ieee_half_type() {
  static const hid_t type = [] {
    const hid_t t = H5Tcopy(H5T_IEEE_F32LE);
    H5Tset_fields(t, 15, 10, 5, 0, 10);
    H5Tset_size(t, 2);
    H5Tset_precision(t, 16);
    H5Tset_ebias(t, 15);
    return t;
  }();
  return type;
}

std::string ElementType::name() const {
  return std::string(is_float ? "float" : is_signed ? "int" : "uint") + std::to_string(8 * bytes);
}

ElementType dataset_element_type(const Loc& loc, const std::string& name) {
  Handle ds = open_dataset(loc, name);
  Handle type(check_read(loc.file, H5Dget_type(ds.id()), "cannot read the type of dataset " + loc.describe(name)));
  const H5T_class_t cls = H5Tget_class(type.id());
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
    bad_input(loc.file, loc.describe(name) + " holds neither integers nor floating-point numbers");
  }
  ElementType out;
  out.is_float = cls == H5T_FLOAT;
  out.is_signed = out.is_float || H5Tget_sign(type.id()) == H5T_SGN_2;
  out.bytes = H5Tget_size(type.id());
  return out;
}

bool is_float_dataset(const Loc& loc, const std::string& name) {
  Handle ds = open_dataset(loc, name);
  Handle type(check_read(loc.file, H5Dget_type(ds.id()), "cannot read the type of dataset " + loc.describe(name)));
  return H5Tget_class(type.id()) == H5T_FLOAT;
}

std::vector<std::int64_t> dataset_shape(const Loc& loc, const std::string& name) {
  Handle ds = open_dataset(loc, name);
  Handle space(check_read(loc.file, H5Dget_space(ds.id()), "cannot read the shape of dataset " + loc.describe(name)));
  const int rank = H5Sget_simple_extent_ndims(space.id());
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  if (rank > 0) H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  return {dims.begin(), dims.end()};
}

void read_rows_typed(const Loc& loc, const std::string& name, std::int64_t begin, std::int64_t end, void* out,
                     hid_t mem_type) {
  const std::string what = "cannot read dataset " + loc.describe(name);
  Handle ds = open_dataset(loc, name);
  Handle type(check_read(loc.file, H5Dget_type(ds.id()), what));
  const H5T_class_t stored = H5Tget_class(type.id()), wanted = H5Tget_class(mem_type);
  // Integers read as floats convert (exactly up to 2^24), as a user's uint16 images should; other classes
  // (strings, compounds) cannot.
  if (stored != wanted && !(stored == H5T_INTEGER && wanted == H5T_FLOAT)) {
    bad_input(loc.file, loc.describe(name) + " holds " + (stored == H5T_STRING ? "strings" : "non-numeric values") +
                            " where numbers are expected");
  }
  Handle space(check_read(loc.file, H5Dget_space(ds.id()), what));
  const int rank = H5Sget_simple_extent_ndims(space.id());
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  MNEMO_ASSERT(rank >= 1 && begin >= 0 && begin <= end && static_cast<hsize_t>(end) <= dims[0],
               "row range outside " + loc.describe(name));
  if (begin == end) return;
  std::vector<hsize_t> start(dims.size(), 0), count = dims;
  start[0] = static_cast<hsize_t>(begin);
  count[0] = static_cast<hsize_t>(end - begin);
  check_read(loc.file,
             H5Sselect_hyperslab(space.id(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr), what);
  Handle mem(check_read(loc.file, H5Screate_simple(rank, count.data(), nullptr), what));
  check_read(loc.file, H5Dread(ds.id(), mem_type, mem.id(), space.id(), H5P_DEFAULT, out),
             "cannot read rows " + std::to_string(begin) + ".." + std::to_string(end) + " of " + loc.describe(name));
}

void read_row_set_typed(const Loc& loc, const std::string& name, const std::vector<std::int64_t>& rows, void* out,
                        hid_t mem_type) {
  if (rows.empty()) return;
  const std::string what = "cannot read dataset " + loc.describe(name);
  Handle ds = open_dataset(loc, name);
  Handle space(check_read(loc.file, H5Dget_space(ds.id()), what));
  const int rank = H5Sget_simple_extent_ndims(space.id());
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  MNEMO_ASSERT(rank >= 1 && rows.front() >= 0 && static_cast<hsize_t>(rows.back()) < dims[0],
               "rows outside " + loc.describe(name));
  check_read(loc.file, H5Sselect_none(space.id()), what);
  std::vector<hsize_t> start(dims.size(), 0), count = dims;
  for (std::size_t i = 0; i < rows.size();) {  // one hyperslab per run of consecutive rows
    std::size_t j = i + 1;
    while (j < rows.size() && rows[j] == rows[j - 1] + 1) ++j;
    start[0] = static_cast<hsize_t>(rows[i]);
    count[0] = static_cast<hsize_t>(j - i);
    check_read(loc.file, H5Sselect_hyperslab(space.id(), H5S_SELECT_OR, start.data(), nullptr, count.data(), nullptr),
               what);
    i = j;
  }
  count = dims;
  count[0] = static_cast<hsize_t>(rows.size());
  Handle mem(check_read(loc.file, H5Screate_simple(rank, count.data(), nullptr), what));
  check_read(loc.file, H5Dread(ds.id(), mem_type, mem.id(), space.id(), H5P_DEFAULT, out),
             "cannot read " + std::to_string(rows.size()) + " rows of " + loc.describe(name));
}

RowOffsets direct_rows(const Loc& loc, const std::string& name, hid_t mem_type) {
  const std::string what = "cannot read dataset " + loc.describe(name);
  Handle ds = open_dataset(loc, name);
  Handle type(check_read(loc.file, H5Dget_type(ds.id()), what));
  Handle space(check_read(loc.file, H5Dget_space(ds.id()), what));
  Handle dcpl(check_read(loc.file, H5Dget_create_plist(ds.id()), what));
  Handle fcpl(check_read(loc.file, H5Fget_create_plist(loc.file.id()), what));
  hsize_t userblock = 0;
  check_read(loc.file, H5Pget_userblock(fcpl.id(), &userblock), what);
  const int rank = H5Sget_simple_extent_ndims(space.id());
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  if (rank < 1 || dims[0] == 0 || H5Tequal(type.id(), mem_type) <= 0 || H5Pget_nfilters(dcpl.id()) != 0) return {};
  RowOffsets out;
  out.row_bytes = static_cast<std::int64_t>(H5Tget_size(type.id()));
  for (int d = 1; d < rank; ++d) out.row_bytes *= static_cast<std::int64_t>(dims[static_cast<std::size_t>(d)]);
  const std::int64_t rows = static_cast<std::int64_t>(dims[0]);
  const H5D_layout_t layout = H5Pget_layout(dcpl.id());
  if (layout == H5D_CONTIGUOUS) {
    const haddr_t at = H5Dget_offset(ds.id());
    if (at == HADDR_UNDEF) return {};
    out.chunk_rows = rows;
    out.chunk_offsets.push_back(static_cast<std::int64_t>(at + userblock));
    return out;
  }
  if (layout != H5D_CHUNKED) return {};
  std::vector<hsize_t> chunk(dims.size());
  if (H5Pget_chunk(dcpl.id(), rank, chunk.data()) != rank) return {};
  for (int d = 1; d < rank; ++d) {
    if (chunk[static_cast<std::size_t>(d)] != dims[static_cast<std::size_t>(d)]) return {};  // rows split across chunks
  }
  out.chunk_rows = static_cast<std::int64_t>(chunk[0]);
  const std::int64_t chunks = (rows + out.chunk_rows - 1) / out.chunk_rows;
  hsize_t stored = 0;
  if (H5Dget_num_chunks(ds.id(), space.id(), &stored) < 0 || static_cast<std::int64_t>(stored) != chunks) return {};
  out.chunk_offsets.assign(static_cast<std::size_t>(chunks), -1);
  for (hsize_t c = 0; c < stored; ++c) {
    std::vector<hsize_t> first(dims.size());
    unsigned filters = 0;
    haddr_t at = HADDR_UNDEF;
    hsize_t bytes = 0;
    if (H5Dget_chunk_info(ds.id(), space.id(), c, first.data(), &filters, &at, &bytes) < 0 || at == HADDR_UNDEF ||
        static_cast<std::int64_t>(bytes) != out.chunk_rows * out.row_bytes) {
      return {};
    }
    out.chunk_offsets[static_cast<std::size_t>(static_cast<std::int64_t>(first[0]) / out.chunk_rows)] =
        static_cast<std::int64_t>(at + userblock);
  }
  if (std::find(out.chunk_offsets.begin(), out.chunk_offsets.end(), -1) != out.chunk_offsets.end()) return {};
  return out;
}

template <class T>
void read_rows(const Loc& loc, const std::string& name, std::int64_t begin, std::int64_t end, T* out) {
  read_rows_typed(loc, name, begin, end, out, native_type<T>());
}

template void write_dataset<std::uint8_t>(const Loc&, const std::string&, const std::vector<std::int64_t>&,
                                          const std::uint8_t*, std::int64_t, int);
template void write_dataset<std::int64_t>(const Loc&, const std::string&, const std::vector<std::int64_t>&,
                                          const std::int64_t*, std::int64_t, int);
template void write_dataset<float>(const Loc&, const std::string&, const std::vector<std::int64_t>&,
                                   const float*, std::int64_t, int);
template void write_dataset<double>(const Loc&, const std::string&, const std::vector<std::int64_t>&,
                                    const double*, std::int64_t, int);
template void read_rows<std::uint8_t>(const Loc&, const std::string&, std::int64_t, std::int64_t, std::uint8_t*);
template void read_rows<std::int64_t>(const Loc&, const std::string&, std::int64_t, std::int64_t, std::int64_t*);
template void read_rows<double>(const Loc&, const std::string&, std::int64_t, std::int64_t, double*);
template void read_rows<float>(const Loc&, const std::string&, std::int64_t, std::int64_t, float*);

}  // namespace mnemo::io::h5
