// Tests the .npy and CSV readers on bytes built by hand from the formats'
// documentation (NumPy's NEP 1 header; RFC 4180 quoting), and their errors.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "data/io/csv_table.h"
#include "data/io/npy.h"

namespace mnemo::io {
namespace {

// A version-1.0 .npy image: magic, version, little-endian header length,
// the dict padded with spaces to a multiple of 64 bytes, ending in '\n'.
std::vector<std::uint8_t> npy(const std::string& dict, const std::vector<std::uint8_t>& payload) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string file = "\x93NUMPY";
  file += static_cast<char>(1);
  file += static_cast<char>(0);
  file += static_cast<char>(header.size() & 0xff);
  file += static_cast<char>(header.size() >> 8);
  file += header;
  std::vector<std::uint8_t> out(file.begin(), file.end());
  for (auto b : payload) out.push_back(b);
  return out;
}

template <typename T>
std::vector<std::uint8_t> bytes_of(const std::vector<T>& v) {
  std::vector<std::uint8_t> b(v.size() * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

std::string error_of(const std::vector<std::uint8_t>& file) {
  try {
    parse_npy(file.data(), file.size(), "x.npy");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Npy, Float32MatrixReadsWithShapeAndValues) {
  const std::vector<float> v = {0.5f, -1.25f, 3e7f, 1e-20f, 0.f, 7.f};
  const auto f = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", bytes_of(v));
  const NpyArray a = parse_npy(f.data(), f.size(), "x.npy");
  EXPECT_EQ(a.type, NpyType::kFloat32);
  EXPECT_EQ(a.shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(to_float32(a), v);
}

TEST(Npy, BigEndianFloat64AndInt16AreConvertedToNativeValues) {
  // 1.5 as a big-endian double is 3F F8 00 .. 00; -2 as big-endian int16 is FF FE.
  const auto d = npy("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", {0x3f, 0xf8, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(to_float32(parse_npy(d.data(), d.size(), "d.npy")), std::vector<float>{1.5f});
  const auto i = npy("{'descr': '>i2', 'fortran_order': False, 'shape': (1,), }", {0xff, 0xfe});
  EXPECT_EQ(to_int64(parse_npy(i.data(), i.size(), "i.npy")), std::vector<std::int64_t>{-2});
}

TEST(Npy, Float16AndUint8AndInt64Labels) {
  const std::vector<std::uint16_t> h = {float_to_half(0.25f), float_to_half(-3.f)};
  const auto f = npy("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", bytes_of(h));
  const NpyArray a = parse_npy(f.data(), f.size(), "h.npy");
  EXPECT_EQ(a.type, NpyType::kFloat16);
  EXPECT_EQ(to_float32(a), (std::vector<float>{0.25f, -3.f}));
  const auto u = npy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", {0, 128, 255});
  EXPECT_EQ(to_int64(parse_npy(u.data(), u.size(), "u.npy")), (std::vector<std::int64_t>{0, 128, 255}));
  const std::vector<std::int64_t> l = {9, 0, 123456789012};
  const auto y = npy("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", bytes_of(l));
  EXPECT_EQ(to_int64(parse_npy(y.data(), y.size(), "y.npy")), l);
}

TEST(Npy, RefusesFortranOrderUnsupportedDtypesAndWrongSizesWithHints) {
  EXPECT_NE(error_of(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", {0, 0, 0, 0}))
                .find("np.ascontiguousarray"),
            std::string::npos);
  const std::string obj = error_of(npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", {0}));
  EXPECT_NE(obj.find("dtype '|O' is not supported"), std::string::npos) << obj;
  EXPECT_NE(obj.find("float32"), std::string::npos) << obj;
  const std::string short_data = error_of(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", {0, 0, 0, 0}));
  EXPECT_NE(short_data.find("holds 4 data bytes"), std::string::npos) << short_data;
  EXPECT_NE(short_data.find("need 8"), std::string::npos) << short_data;
  EXPECT_NE(error_of({'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0}).find("no \\x93NUMPY magic"), std::string::npos);
  const std::string huge = error_of(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999, 99999999999), }", {}));
  EXPECT_NE(huge.find("too large"), std::string::npos) << huge;
}

TEST(Npy, FractionalFloatLabelsAreRefusedNamingTheElement) {
  const std::vector<float> v = {1.f, 2.5f};
  const auto f = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", bytes_of(v));
  const NpyArray a = parse_npy(f.data(), f.size(), "y.npy");
  try {
    to_int64(a);
    FAIL() << "2.5 accepted as a label";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("element 1 (2.500000) is not a whole number"), std::string::npos) << e.what();
  }
}

std::string csv_error(const std::string& text) {
  try {
    parse_numeric_csv(text, "d.csv");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Csv, HeaderQuotesCrlfAndBomAreHandled) {
  const CsvTable t = parse_numeric_csv("\xEF\xBB\xBF" "a,\"b, quoted\",label\r\n1.5,-2e3,0\r\n\r\n\"7\",0.25,1\r\n", "d.csv");
  EXPECT_EQ(t.columns, (std::vector<std::string>{"a", "b, quoted", "label"}));
  EXPECT_EQ(t.rows, 2);
  EXPECT_EQ(t.values, (std::vector<double>{1.5, -2000, 0, 7, 0.25, 1}));
  EXPECT_EQ(t.column("label", "d.csv"), 2u);
  EXPECT_TRUE(t.has_column("a"));
  EXPECT_FALSE(t.has_column("c"));
}

TEST(Csv, EveryBadCellIsNamedByRowAndColumn) {
  EXPECT_NE(csv_error("a,b\n1,2\n3\n").find("d.csv data row 2 has 1 cells; the header has 2"), std::string::npos);
  EXPECT_NE(csv_error("a,b\n1,2\n3,x4\n").find("d.csv data row 2, column 'b': 'x4' is not a number"),
            std::string::npos);
  EXPECT_NE(csv_error("a,b\n1,\n").find("data row 1, column 'b' is empty"), std::string::npos);
  EXPECT_NE(csv_error("a,b\n1,nan\n").find("data row 1, column 'b' is nan (not a finite number)"), std::string::npos);
  EXPECT_NE(csv_error("a,b\n1,2 3\n").find("'2 3' is not a number"), std::string::npos);
  EXPECT_NE(csv_error("a,a\n1,2\n").find("column name 'a' appears twice"), std::string::npos);
  EXPECT_NE(csv_error("a,\n1,2\n").find("column 2 has no name"), std::string::npos);
  EXPECT_NE(csv_error("").find("d.csv is empty"), std::string::npos);
  EXPECT_NE(csv_error("a,b\n").find("no data rows"), std::string::npos);
  EXPECT_NE(csv_error("a,b\n1,\"2\n").find("d.csv line 2 (data row 1): a quoted field opens there and never closes"),
            std::string::npos);
  EXPECT_NE(csv_error("a,b\n1,2\n3,4\"x\n").find("d.csv line 3: a quote inside an unquoted field"), std::string::npos);
  try {
    parse_numeric_csv("x,y\n1,2\n", "d.csv").column("label", "d.csv");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no column 'label' (its header has: x, y)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mnemo::io
