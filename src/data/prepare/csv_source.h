// Implements: loading a numeric CSV table (header row, one sample per row)
//   as a source: a label column (integer class ids >= 0), optionally a time
//   and a task column (the time-ordered scenario's order keys), and every
//   other column a float32 feature. The test rows come from --test-input
//   (the same columns), or are a seeded --test-fraction of the rows.
#pragma once

#include <cstdint>
#include <string>

#include "core/options.h"
#include "data/prepare/dataset.h"

namespace mnemo::data {

struct CsvOptions {
  std::string label = "label";  ///< label column
  std::string time;             ///< time column ("" none)
  std::string task;             ///< task column ("" none)
  std::string test_input;       ///< test rows' file ("" : hold out test_fraction)
  double test_fraction = 0.2;
  void declare(OptionTable& table);  ///< --csv-label, --csv-time, --csv-task, --test-input, --test-fraction
};

SourceDataset load_csv_dataset(const std::string& path, const std::string& name, const CsvOptions& options,
                               std::uint64_t seed);

}  // namespace mnemo::data
