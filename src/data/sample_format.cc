// Implements: the sample format (see sample_format.h).
#include "data/sample_format.h"

#include <cstring>

#include "core/error.h"
#include "core/half.h"

namespace mnemo::data {

const char* sample_type_name(SampleType type) {
  switch (type) {
    case SampleType::kUInt8: return "uint8";
    case SampleType::kFloat16: return "float16";
    case SampleType::kFloat32: return "float32";
  }
  return "?";
}

SampleType parse_sample_type(const std::string& name, const std::string& where) {
  for (SampleType t : {SampleType::kUInt8, SampleType::kFloat16, SampleType::kFloat32}) {
    if (name == sample_type_name(t)) return t;
  }
  throw InputError(with_hint(where + ": sample type '" + name + "' is not uint8, float16 or float32",
                             "prepare the stream again with this version of mnemo"));
}

std::int64_t element_bytes(SampleType type) {
  switch (type) {
    case SampleType::kUInt8: return 1;
    case SampleType::kFloat16: return 2;
    case SampleType::kFloat32: return 4;
  }
  return 1;
}

hid_t h5_type(SampleType type) {
  switch (type) {
    case SampleType::kUInt8: return H5T_NATIVE_UINT8;
    case SampleType::kFloat16: return io::h5::ieee_half_type();
    case SampleType::kFloat32: return H5T_NATIVE_FLOAT;
  }
  return H5T_NATIVE_UINT8;
}

void widen_to_float(SampleType type, const std::uint8_t* bytes, std::int64_t count, float* out) {
  switch (type) {
    case SampleType::kUInt8:
      for (std::int64_t i = 0; i < count; ++i) out[i] = bytes[i];
      return;
    case SampleType::kFloat16:
      for (std::int64_t i = 0; i < count; ++i) {
        std::uint16_t h;
        std::memcpy(&h, bytes + 2 * i, 2);
        out[i] = half_to_float(h);
      }
      return;
    case SampleType::kFloat32: std::memcpy(out, bytes, static_cast<std::size_t>(count) * 4); return;
  }
}

std::int64_t SampleFormat::elements() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::int64_t SampleFormat::norm_groups() const { return shape.size() == 3 ? shape[0] : elements(); }

std::string SampleFormat::describe() const {
  std::string s = std::string(sample_type_name(type)) + " ";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "x" : "") + std::to_string(shape[i]);
  return s;
}

}  // namespace mnemo::data
