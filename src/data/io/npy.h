// Implements: reading NumPy's .npy files and .npz archives (np.save, np.savez,
//   np.savez_compressed), the way users hand over arrays made in Python.
//   C-order arrays of the common numeric dtypes, either byte order, are read;
//   Fortran-order arrays, object and string dtypes are refused with a hint.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mnemo::io {

enum class NpyType { kBool, kInt8, kUInt8, kInt16, kUInt16, kInt32, kUInt32, kInt64, kUInt64,
                     kFloat16, kFloat32, kFloat64 };

/// "uint8", "float32", ...: NumPy's own names.
std::string npy_type_name(NpyType t);
std::size_t element_size(NpyType t);

struct NpyArray {
  NpyType type = NpyType::kUInt8;
  std::vector<std::int64_t> shape;   ///< () for a scalar
  std::vector<std::uint8_t> bytes;   ///< row-major, little-endian, numel() * element_size(type)
  std::string origin;                ///< "FILE" or "ARCHIVE:NAME.npy", for messages
  std::int64_t numel() const;
};

/// Parses one .npy image held in memory. Throws InputError naming `origin`
/// for a bad magic, header, dtype, shape or size.
NpyArray parse_npy(const std::uint8_t* data, std::size_t size, const std::string& origin);

/// Reads a .npy file.
NpyArray read_npy(const std::string& path);

/// Reads every array of a .npz archive, keyed by name without ".npy".
std::map<std::string, NpyArray> read_npz(const std::string& path);

/// The values as float32 (float64 rounded to nearest; integers converted).
std::vector<float> to_float32(const NpyArray& a);

/// The values as int64. Floating values must be whole numbers: InputError
/// naming the element otherwise.
std::vector<std::int64_t> to_int64(const NpyArray& a);

}  // namespace mnemo::io
