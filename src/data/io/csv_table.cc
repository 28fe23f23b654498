// Implements: the numeric CSV reader (see csv_table.h). libcsv splits the
//   text into fields and records; this file checks the shape and converts
//   each field with strtod, which must consume all of it.
#include "data/io/csv_table.h"

#include <csv.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "core/error.h"

namespace mnemo::io {

namespace {

struct Parse {
  const std::string* path;
  CsvTable table;
  std::vector<std::string> cells;  // of the current record
  std::int64_t record = 0;         // records completed, the header included
  std::string error;               // the first error, reported after csv_parse returns
};

std::string clip(const std::string& s) { return s.size() > 40 ? s.substr(0, 40) + "..." : s; }

void fail(Parse* p, const std::string& what, const std::string& hint) {
  if (p->error.empty()) p->error = with_hint(*p->path + " " + what, hint);
}

void on_field(void* s, std::size_t len, void* data) {
  auto* p = static_cast<Parse*>(data);
  p->cells.emplace_back(static_cast<const char*>(s), len);
}

void header(Parse* p) {
  std::set<std::string> seen;
  for (std::size_t j = 0; j < p->cells.size(); ++j) {
    std::string name = p->cells[j];
    if (j == 0 && name.rfind("\xEF\xBB\xBF", 0) == 0) name = name.substr(3);  // UTF-8 BOM
    while (!name.empty() && name.back() == ' ') name.pop_back();
    while (!name.empty() && name.front() == ' ') name.erase(0, 1);
    if (name.empty()) fail(p, "header: column " + std::to_string(j + 1) + " has no name",
                           "the first line must name every column");
    if (!seen.insert(name).second) fail(p, "header: column name '" + clip(name) + "' appears twice",
                                        "give every column a unique name");
    p->table.columns.push_back(name);
  }
}

void data_row(Parse* p) {
  const std::size_t width = p->table.columns.size();
  const std::string where = "data row " + std::to_string(p->record);
  if (p->cells.size() != width) {
    fail(p, where + " has " + std::to_string(p->cells.size()) + " cells; the header has " + std::to_string(width),
         "every row needs one value per header column");
    return;
  }
  for (std::size_t j = 0; j < width; ++j) {
    const std::string& cell = p->cells[j];
    const std::string at = where + ", column '" + clip(p->table.columns[j]) + "'";
    const char* begin = cell.c_str();
    while (*begin == ' ') ++begin;
    if (*begin == '\0') {
      fail(p, at + " is empty", "fill or drop rows with missing values before preparing the stream");
      return;
    }
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(begin, &end);
    while (end && *end == ' ') ++end;
    if (end == begin || (end && *end != '\0') || (end - cell.c_str()) != static_cast<long>(cell.size())) {
      fail(p, at + ": '" + clip(cell) + "' is not a number",
           "every column but the header must be numeric: encode categories as integers");
      return;
    }
    if (!std::isfinite(v)) {
      fail(p, at + " is " + clip(cell) + " (not a finite number)", "drop or impute such rows before preparing");
      return;
    }
    p->table.values.push_back(v);
  }
  ++p->table.rows;
}

void on_record(int, void* data) {
  auto* p = static_cast<Parse*>(data);
  if (p->error.empty()) {
    if (p->record == 0) header(p);
    else data_row(p);
  }
  ++p->record;
  p->cells.clear();
}

}  // namespace

bool CsvTable::has_column(const std::string& name) const {
  for (const auto& c : columns) {
    if (c == name) return true;
  }
  return false;
}

std::size_t CsvTable::column(const std::string& name, const std::string& path) const {
  for (std::size_t j = 0; j < columns.size(); ++j) {
    if (columns[j] == name) return j;
  }
  std::string have;
  for (const auto& c : columns) have += (have.empty() ? "" : ", ") + clip(c);
  throw InputError(with_hint(path + " has no column '" + name + "' (its header has: " + have + ")",
                             "name the column with --csv-label, --csv-time or --csv-task"));
}

CsvTable parse_numeric_csv(const std::string& text, const std::string& path) {
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) throw Error("csv_init failed (out of memory)");
  Parse p;
  p.path = &path;
  const std::size_t done = csv_parse(&parser, text.data(), text.size(), on_field, on_record, &p);
  if (done != text.size()) {
    csv_free(&parser);
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(done), '\n');
    throw InputError(with_hint(path + " line " + std::to_string(line) + ": a quote inside an unquoted field, or text after a closing quote",
                               "quote the whole field, and write a quote inside a quoted field as two quotes"));
  }
  if (csv_fini(&parser, on_field, on_record, &p) != 0) {
    csv_free(&parser);
    // The quote that never closes: the last one that opens a quoted span ("" inside a field toggles twice).
    std::size_t opened = 0;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '"') continue;
      quoted = !quoted;
      if (quoted) opened = i;
    }
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(opened), '\n');
    throw InputError(with_hint(path + " line " + std::to_string(line) + " (data row " + std::to_string(p.record) +
                                   "): a quoted field opens there and never closes",
                               "close the quote; write a quote inside a quoted field as two quotes"));
  }
  csv_free(&parser);
  if (!p.error.empty()) throw InputError(p.error);
  if (p.table.columns.empty()) {
    throw InputError(with_hint(path + " is empty", "a CSV source starts with a header line naming the columns"));
  }
  if (p.table.rows == 0) throw InputError(with_hint(path + " has a header but no data rows", "add rows"));
  return std::move(p.table);
}

CsvTable read_numeric_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(with_hint(path + " cannot be opened", "check that the file exists and is readable"));
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_numeric_csv(text, path);
}

}  // namespace mnemo::io
