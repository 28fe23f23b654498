// Implements: `mnemo prepare`: a source dataset cut into a class-incremental
//   task stream and written as HDF5 shards.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/options.h"
#include "data/prepare/csv_source.h"
#include "data/prepare/idx_source.h"
#include "data/prepare/stream_writer.h"
#include "data/prepare/synthetic.h"
#include "data/prepare/time_split.h"

namespace mnemo::data {

enum class Source { kIdx, kCifar10, kCifar100, kHdf5, kNumpy, kCsv, kSynthetic };
/// class- and task-incremental split classes into tasks; permuted and rotated
/// are domain-incremental (every class in every task); time-ordered cuts the
/// source by time into tasks that keep whatever classes their rows have.
enum class Scenario { kClassIncremental, kTaskIncremental, kPermuted, kRotated, kTimeOrdered };
/// The element type the stream stores (auto: the source's own).
enum class DtypeChoice { kAuto, kUInt8, kFloat16, kFloat32 };
/// Which training rows the normalisation statistics come from (auto:
/// first-task for float samples, none for 8-bit images).
enum class Normalize { kAuto, kNone, kFirstTask, kAllTasks };
const char* scenario_name(Scenario scenario);

struct PrepareOptions {
  Source source = Source::kIdx;
  Scenario scenario = Scenario::kClassIncremental;
  std::string hdf5_layout = "nhwc";            ///< hdf5 source: nhwc | nchw
  std::int64_t samples_per_task = 0;           ///< training samples per task, a seeded subset (0: all)
  std::vector<std::int64_t> class_order;       ///< class-/task-incremental: explicit order (empty: seeded)
  TimeSplit split_by = TimeSplit::kAuto;       ///< time-ordered: task column, time windows or row windows
  DtypeChoice dtype = DtypeChoice::kAuto;
  Normalize normalize = Normalize::kAuto;
  CsvOptions csv;
  std::string input = "/usr/share/datasets/fashion-mnist";    ///< IDX or CIFAR directory, or HDF5 file
  std::string name;                                           ///< dataset name recorded in the stream ("": the input's)
  std::string output = "streams/split-fashion-mnist";
  std::int64_t tasks = 5;
  std::int64_t classes_per_task = 2;
  std::uint64_t seed = 0;          ///< class order and within-task shuffles
  double val_fraction = 0;         ///< per task: training samples held out for validation
  bool overwrite = false;
  StreamLayout layout;
  IdxOptions idx;                  ///< idx source: file prefix (EMNIST) and transposition
  SyntheticOptions synthetic;

  /// The options of `mnemo prepare` (the layout's, idx's and synthetic's too).
  void declare(OptionTable& table);
};

/// Prepares the stream; returns a one-line summary for the console.
std::string prepare_stream(const PrepareOptions& options);

}  // namespace mnemo::data
