// Implements: results.h5, the run's matrices as HDF5 datasets:
//   /accuracy/class_il, /accuracy/task_il   float64 [k, T] (row i: after task i)
//   /baseline/class_il, /baseline/task_il   float64 [T]
//   /confusion                              int64 [k, C, C] (true, predicted)
//   /cost/seconds, /cost/comm_seconds       float64 [k]
//   /cost/peak_rss_bytes                    int64 [k]
//   root attributes: schema "mnemo.results", schema_version, results_json
#pragma once

#include <string>

#include "eval/results_writer.h"

namespace mnemo::eval {

/// Writes `path` via a temporary sibling and a rename.
void write_results_h5(const std::string& path, const RunResults& r);

}  // namespace mnemo::eval
