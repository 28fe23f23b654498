// Implements: the HDF5 RAII helpers. HDF5's automatic error printing is
//   switched off; on failure the error stack is walked and put into the
//   exception text instead, after the file and object names.
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

[[noreturn]] void fail(const std::string& what) {
  throw InputError(with_hint(what + error_stack(),
                             "the file may be truncated or corrupt: prepare the stream again (mnemo prepare)"));
}

hid_t check(hid_t id, const std::string& what) {
  if (id < 0) fail(what);
  return id;
}

void check_status(herr_t rc, const std::string& what) {
  if (rc < 0) fail(what);
}

Handle open_attr(const Loc& loc, const std::string& name) {
  if (H5Aexists(loc.id, name.c_str()) <= 0) {
    throw InputError(with_hint(loc.describe() + " has no attribute '" + name + "'",
                               "the file was not written by this version of mnemo prepare, or is damaged"));
  }
  return Handle(check(H5Aopen(loc.id, name.c_str(), H5P_DEFAULT), "cannot open attribute " + loc.describe(name)));
}

Handle open_dataset(const Loc& loc, const std::string& name) {
  if (!exists(loc, name)) {
    throw InputError(with_hint(loc.describe(name) + " is missing",
                               "the file was not written by mnemo prepare, or is damaged"));
  }
  return Handle(check(H5Dopen2(loc.id, name.c_str(), H5P_DEFAULT), "cannot open dataset " + loc.describe(name)));
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

File File::create(const std::string& path) {
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (id < 0) {
    error_stack();
    throw InputError(with_hint("cannot create HDF5 file " + path,
                               "check that the directory exists, is writable and has free space"));
  }
  return File(Handle(id), path);
}

File File::open(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw InputError(with_hint("file " + path + " does not exist or is not a regular file",
                               "check the path; prepare the stream again with mnemo prepare"));
  }
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    error_stack();
    throw InputError(with_hint("cannot open " + path + " as an HDF5 file (missing, unreadable, truncated or not HDF5)",
                               "check the path; prepare the stream again with mnemo prepare"));
  }
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) fail("cannot open HDF5 file " + path);
  return File(Handle(id), path);
}

void File::close() {
  if (handle_.id() < 0) return;
  if (H5Fflush(handle_.id(), H5F_SCOPE_LOCAL) < 0) fail("cannot flush HDF5 file " + path_);
  handle_.reset();
}

std::string Loc::describe(const std::string& name) const {
  std::string p = path.empty() ? "/" : path;
  if (!name.empty()) p += (p.back() == '/' ? "" : "/") + name;
  return file.path() + ":" + p;
}

Handle create_group(const Loc& loc, const std::string& name) {
  return Handle(check(H5Gcreate2(loc.id, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create group " + loc.describe(name)));
}

Handle open_group(const Loc& loc, const std::string& name) {
  if (!exists(loc, name)) {
    throw InputError(with_hint(loc.describe(name) + " is missing",
                               "the file was not written by mnemo prepare, or is damaged"));
  }
  return Handle(check(H5Gopen2(loc.id, name.c_str(), H5P_DEFAULT), "cannot open group " + loc.describe(name)));
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
  Handle type(check(H5Tcopy(H5T_C_S1), "H5Tcopy"));
  check_status(H5Tset_size(type.id(), std::max<std::size_t>(1, value.size())), "H5Tset_size");
  Handle space(check(H5Screate(H5S_SCALAR), "H5Screate"));
  Handle attr(check(H5Acreate2(loc.id, name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT),
                    "cannot create attribute " + loc.describe(name)));
  std::string padded = value.empty() ? std::string(1, '\0') : value;
  check_status(H5Awrite(attr.id(), type.id(), padded.data()), "cannot write attribute " + loc.describe(name));
}

void write_attr(const Loc& loc, const std::string& name, std::int64_t value) {
  write_attr(loc, name, std::vector<std::int64_t>{value});
}

void write_attr(const Loc& loc, const std::string& name, const std::vector<std::int64_t>& value) {
  hsize_t n = value.size();
  Handle space(check(n == 0 ? H5Screate(H5S_NULL) : H5Screate_simple(1, &n, nullptr), "H5Screate"));
  Handle attr(check(H5Acreate2(loc.id, name.c_str(), H5T_STD_I64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT),
                    "cannot create attribute " + loc.describe(name)));
  if (n > 0) {
    check_status(H5Awrite(attr.id(), H5T_NATIVE_INT64, value.data()),
                 "cannot write attribute " + loc.describe(name));
  }
}

std::string read_attr_string(const Loc& loc, const std::string& name) {
  Handle attr = open_attr(loc, name);
  Handle type(check(H5Aget_type(attr.id()), "H5Aget_type"));
  if (H5Tget_class(type.id()) != H5T_STRING || H5Tis_variable_str(type.id()) > 0) {
    throw InputError(loc.describe() + ": attribute '" + name + "' is not a fixed-length string");
  }
  std::string out(H5Tget_size(type.id()), '\0');
  check_status(H5Aread(attr.id(), type.id(), out.data()), "cannot read attribute " + loc.describe(name));
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

std::int64_t read_attr_int(const Loc& loc, const std::string& name) {
  auto v = read_attr_ints(loc, name);
  if (v.size() != 1) {
    throw InputError(loc.describe() + ": attribute '" + name + "' should hold one integer, holds " +
                     std::to_string(v.size()));
  }
  return v[0];
}

std::vector<std::int64_t> read_attr_ints(const Loc& loc, const std::string& name) {
  Handle attr = open_attr(loc, name);
  Handle type(check(H5Aget_type(attr.id()), "H5Aget_type"));
  if (H5Tget_class(type.id()) != H5T_INTEGER) {
    throw InputError(loc.describe() + ": attribute '" + name + "' is not an integer");
  }
  Handle space(check(H5Aget_space(attr.id()), "H5Aget_space"));
  const hssize_t n = H5Sget_simple_extent_npoints(space.id());
  std::vector<std::int64_t> out(static_cast<std::size_t>(std::max<hssize_t>(0, n)));
  if (!out.empty()) {
    check_status(H5Aread(attr.id(), H5T_NATIVE_INT64, out.data()), "cannot read attribute " + loc.describe(name));
  }
  return out;
}

template <class T>
void write_dataset(const Loc& loc, const std::string& name, const std::vector<std::int64_t>& shape,
                   const T* data, std::int64_t chunk_rows, int deflate) {
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Handle space(check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), "H5Screate_simple"));
  Handle props(check(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate"));
  if (!dims.empty() && dims[0] > 0) {
    std::vector<hsize_t> chunk = dims;
    chunk[0] = static_cast<hsize_t>(std::clamp<std::int64_t>(chunk_rows, 1, shape[0]));
    check_status(H5Pset_chunk(props.id(), static_cast<int>(chunk.size()), chunk.data()), "H5Pset_chunk");
    if (deflate > 0) {
      check_status(H5Pset_shuffle(props.id()), "H5Pset_shuffle");
      check_status(H5Pset_deflate(props.id(), static_cast<unsigned>(deflate)), "H5Pset_deflate");
    }
  }
  Handle ds(check(H5Dcreate2(loc.id, name.c_str(), native_type<T>(), space.id(), H5P_DEFAULT, props.id(),
                             H5P_DEFAULT),
                  "cannot create dataset " + loc.describe(name)));
  const bool empty = std::any_of(shape.begin(), shape.end(), [](std::int64_t d) { return d == 0; });
  if (!empty) {
    check_status(H5Dwrite(ds.id(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
                 "cannot write dataset " + loc.describe(name));
  }
}

bool is_float_dataset(const Loc& loc, const std::string& name) {
  Handle ds = open_dataset(loc, name);
  Handle type(check(H5Dget_type(ds.id()), "H5Dget_type"));
  return H5Tget_class(type.id()) == H5T_FLOAT;
}

std::vector<std::int64_t> dataset_shape(const Loc& loc, const std::string& name) {
  Handle ds = open_dataset(loc, name);
  Handle space(check(H5Dget_space(ds.id()), "H5Dget_space " + loc.describe(name)));
  const int rank = H5Sget_simple_extent_ndims(space.id());
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  if (rank > 0) H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  return {dims.begin(), dims.end()};
}

template <class T>
void read_rows(const Loc& loc, const std::string& name, std::int64_t begin, std::int64_t end, T* out) {
  Handle ds = open_dataset(loc, name);
  Handle type(check(H5Dget_type(ds.id()), "H5Dget_type"));
  if (H5Tget_class(type.id()) != H5Tget_class(native_type<T>())) {
    throw InputError(with_hint(loc.describe(name) + " has the wrong element type",
                               "prepare the stream again with mnemo prepare"));
  }
  Handle space(check(H5Dget_space(ds.id()), "H5Dget_space"));
  const int rank = H5Sget_simple_extent_ndims(space.id());
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  MNEMO_ASSERT(rank >= 1 && begin >= 0 && begin <= end && static_cast<hsize_t>(end) <= dims[0],
               "row range outside " + loc.describe(name));
  if (begin == end) return;
  std::vector<hsize_t> start(dims.size(), 0), count = dims;
  start[0] = static_cast<hsize_t>(begin);
  count[0] = static_cast<hsize_t>(end - begin);
  check_status(H5Sselect_hyperslab(space.id(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
               "H5Sselect_hyperslab " + loc.describe(name));
  Handle mem(check(H5Screate_simple(rank, count.data(), nullptr), "H5Screate_simple"));
  check_status(H5Dread(ds.id(), native_type<T>(), mem.id(), space.id(), H5P_DEFAULT, out),
               "cannot read rows " + std::to_string(begin) + ".." + std::to_string(end) + " of " +
                   loc.describe(name));
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
template void read_rows<float>(const Loc&, const std::string&, std::int64_t, std::int64_t, float*);

}  // namespace mnemo::io::h5
