// Implements: reading a numeric CSV table (a header row, then numbers) with
//   libcsv, the parser Debian packages. Quoting, CRLF line ends and a UTF-8
//   byte-order mark are handled; every cell must be a finite number.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mnemo::io {

struct CsvTable {
  std::vector<std::string> columns;  ///< the header's names, in file order
  std::int64_t rows = 0;             ///< data rows (the header excluded)
  std::vector<double> values;        ///< rows x columns, row-major

  double at(std::int64_t row, std::size_t col) const {
    return values[static_cast<std::size_t>(row) * columns.size() + col];
  }
  bool has_column(const std::string& name) const;
  /// The index of column `name`; InputError naming `path` and listing the
  /// columns otherwise.
  std::size_t column(const std::string& name, const std::string& path) const;
};

/// Parses CSV text. Errors name `path`, the data row (1 = the first row after
/// the header; blank lines are skipped) and the column: a missing
/// or duplicate header name, a row with too few or too many cells, an empty,
/// non-numeric, NaN or infinite cell, or malformed quoting.
CsvTable parse_numeric_csv(const std::string& text, const std::string& path);

/// Reads and parses the file at `path`.
CsvTable read_numeric_csv(const std::string& path);

}  // namespace mnemo::io
