// Fuzz target: the numeric CSV reader (libcsv underneath). Any text must give
// a table or an InputError naming the row and column, never a crash or a hang.
#include <cstdint>
#include <string>

#include "core/error.h"
#include "data/io/csv_table.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    mnemo::io::parse_numeric_csv(std::string(reinterpret_cast<const char*>(data), size), "fuzz.csv");
  } catch (const mnemo::InputError&) {
  }
  return 0;
}
