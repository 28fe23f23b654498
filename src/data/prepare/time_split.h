// Implements: the time-ordered (drifting) scenario's split of a source into
//   tasks. Every task keeps whichever classes its rows have, so the classes
//   recur across tasks as the data's distribution drifts (domain or
//   instance drift, as in click logs); it is evaluated like the other
//   domain-incremental streams.
//   - by task:  a task column (CSV --csv-task): one task per distinct value,
//               in increasing order;
//   - by time:  a time column (CSV --csv-time): --tasks equal-width windows
//               between the training rows' first and last time; test rows
//               go to the window their time falls in (clamped to the ends);
//   - by rows:  --tasks equal windows of rows in the source's order (train
//               and test alike), for sources already in time order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/prepare/dataset.h"

namespace mnemo::data {

enum class TimeSplit { kAuto, kTask, kTime, kRows };

struct TimeWindows {
  std::vector<LabeledImages> train, test;   ///< one per task
  std::vector<std::vector<std::int64_t>> classes;  ///< the labels each task's rows have, sorted
  std::string describe;                     ///< how the source was cut, for the summary and provenance
};

/// Cuts `source` into tasks (`tasks` is used by time and row windows; a
/// task column decides the count itself). kAuto: task column, else time
/// column, else rows. InputError naming the task and its window when one
/// would be empty.
TimeWindows split_by_time(const SourceDataset& source, TimeSplit how, std::int64_t tasks);

}  // namespace mnemo::data
